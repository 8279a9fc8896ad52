/* main.c — placeholder until the CLI lands. */
#include <stdio.h>
int main(void) { puts("nnmd " NNMD_VERSION); return 0; }
