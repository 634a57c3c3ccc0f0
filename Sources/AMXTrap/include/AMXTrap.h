#ifndef ASL_AMX_TRAP_H
#define ASL_AMX_TRAP_H

// For tests only: runs the engine's compiled AMX instruction sequence on a CPU without AMX.
// While installed, a SIGILL handler decodes the faulting instruction; if it is one of the
// AMX-TILE / AMX-BF16 instructions the engine uses (LDTILECFG, STTILECFG, TILERELEASE,
// TILEZERO, TILELOADD, TILELOADDT1, TILESTORED, TDPBF16PS), it carries it out on a per-thread
// tile file as the Intel SDM states it and resumes after it. Any other illegal instruction
// gets the handler that was there before.
//
// It is written from the SDM's descriptions, not from the engine's scalar tile model, so the
// two are independent checks of each other.

#ifdef __cplusplus
extern "C" {
#endif

/// Installs the handler (process-wide). Returns 1, or 0 where it cannot run (not x86-64
/// Linux, or sigaction failed). Install and remove from one thread, around the code tested.
int asl_amx_trap_install(void);

/// Puts back the SIGILL handler that was there before `asl_amx_trap_install`.
void asl_amx_trap_remove(void);

/// Instructions carried out since the process started, by every thread.
unsigned long asl_amx_trap_emulated(void);

/// Instructions that the hardware would have refused (#UD or #GP: a tile used before
/// LDTILECFG, shapes that do not fit, a tile register above 7, a bad configuration): they
/// are counted and skipped, so a test can fail with a message instead of a crash.
unsigned long asl_amx_trap_faults(void);

#ifdef __cplusplus
}
#endif

#endif
