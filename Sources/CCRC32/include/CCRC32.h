// CRC-32 (IEEE, the zlib polynomial) folded with carry-less multiplication where the CPU has it.
// VigilEVTX's CRC32 enum calls these for the bulk of a buffer and finishes the tail itself.
#ifndef VIGIL_CCRC32_H
#define VIGIL_CCRC32_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when `vigil_crc32_fold` may be called (x86-64 with PCLMULQDQ and SSE4.1).
int vigil_crc32_fold_available(void);

/// Folds `length` bytes (at least 64, a multiple of 16) into `state`, the inverted running CRC
/// (`~crc`), and returns the new inverted state.
uint32_t vigil_crc32_fold(const uint8_t *bytes, size_t length, uint32_t state);

#endif
