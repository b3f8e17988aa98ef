#pragma once
// Small C helpers for what Swift 6 cannot express safely (C globals such as stdout).
#include <stdio.h>

/// Makes stdout line-buffered, so output reaches a pipe line by line (call once, first thing in main).
static inline void dmf_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
