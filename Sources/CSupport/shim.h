#pragma once
// Small C helpers for what Swift 6 cannot express safely (C globals such as stdout).
#include <stdio.h>

/// Makes stdout line-buffered, so output reaches a pipe line by line (call once, first thing in main).
static inline void dmf_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/// The write end of the pipe `dmf_termination_handler` reports signals to (-1: none).
static volatile int dmf_termination_fd = -1;

/// A real SIGINT/SIGTERM handler: writes the signal number (one byte) to `dmf_termination_fd`.
/// Async-signal-safe (write(2) only, errno preserved). Runs on whichever thread the kernel picks,
/// including threads started before main (OpenBLAS's), so no thread meets the default action.
static void dmf_termination_handler(int sig) {
    int saved = errno;
    int fd = dmf_termination_fd;
    if (fd >= 0) {
        unsigned char byte = (unsigned char)sig;
        (void)write(fd, &byte, 1);
    }
    errno = saved;
}

/// Installs `dmf_termination_handler` for SIGINT and SIGTERM (SA_RESTART), reporting to `fd`.
/// Returns 0, or -1 with errno set.
static inline int dmf_install_termination_handler(int fd) {
    dmf_termination_fd = fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dmf_termination_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0) return -1;
    return sigaction(SIGTERM, &sa, NULL);
}

/// Restores the default action for SIGINT and SIGTERM and stops reporting to the pipe.
static inline void dmf_remove_termination_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    dmf_termination_fd = -1;
}

/// glibc declares pipe2 only under _GNU_SOURCE; this is its exact prototype.
extern int pipe2(int pipefd[2], int flags);

/// pipe(2) with both ends close-on-exec, atomically (a child spawned concurrently by another
/// thread must not inherit either end). Returns 0, or -1 with errno set.
static inline int dmf_cloexec_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <sys/prctl.h>

/// Asks the kernel to send `sig` to this process when the thread that started it ends
/// (prctl(2) PR_SET_PDEATHSIG), then checks that the parent is still `expected_parent`: it may
/// have died before the call, and then no signal would ever come. Returns 0, or -1 when the
/// parent is already gone (or prctl failed, errno set).
static inline int dmf_die_with_parent(int sig, pid_t expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0) return -1;
    return getppid() == expected_parent ? 0 : -1;
}

/// Flushes every stdio stream, then leaves with `_exit(status)`: no atexit handler and no
/// library destructor runs. OpenBLAS's destructor joins its server threads and crashes or
/// deadlocks when a compute thread is still inside BLAS (docs/cluster.md, "Stopping").
static inline void dmf_flush_and_exit(int status) {
    fflush(NULL);
    _exit(status);
}
