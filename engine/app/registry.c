/* registry.c — placeholder. */
int nnmd_registry_placeholder(void);
int nnmd_registry_placeholder(void) { return 0; }
