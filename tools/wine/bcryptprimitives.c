/* A stand-in for Windows' bcryptprimitives.dll, for Wine before 9.0 only (`cargo xtask
   cross-test`): Rust's standard library (1.78 on) takes its random seeds from that DLL's
   ProcessPrng, which Windows 10 and later have and Wine 8 does not. This answers through
   bcrypt's system generator, as Windows' own does. Never shipped with a plugin. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}
