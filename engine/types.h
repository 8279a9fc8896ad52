/* types.h — tiny shared definitions: the host/device qualifier for *_math.h. */
#ifndef NNMD_TYPES_H
#define NNMD_TYPES_H
#ifdef __CUDACC__
#define NNMD_HD __host__ __device__
#else
#define NNMD_HD
#endif

#define NNMD_PI 3.14159265358979323846
#endif
