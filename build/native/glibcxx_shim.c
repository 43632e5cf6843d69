/* std::ios_base_library_init() — an empty function in libstdc++ 13 (GLIBCXX_3.4.32) that
 * libLibTorchSharp.so references. Older hosts (GCC 12) lack it; build/FixTorchNative.cs links this shim. */
void _ZSt21ios_base_library_initv(void) {}
