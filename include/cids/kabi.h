/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel numbers both tracers need (x86_64), without any header: the BPF program
 * (daemon/cidsd.bpf.c) and the ptrace tracer (hook/ptrace.c) include it alike.
 */
#ifndef CIDS_KABI_H
#define CIDS_KABI_H

/* system call numbers */
#define NR_RT_SIGRETURN	     15
#define NR_CLONE	     56
#define NR_FORK		     57
#define NR_VFORK	     58
#define NR_EXECVE	     59
#define NR_EXIT		     60
#define NR_RESTART_SYSCALL   219
#define NR_EXIT_GROUP	     231
#define NR_EXECVEAT	     322
#define NR_CLONE3	     435
#define NR_PRCTL	     157
#define NR_SECCOMP	     317
#define NR_IO_URING_SETUP    425
#define NR_IO_URING_ENTER    426
#define NR_IO_URING_REGISTER 427

/* clone flags and the x32 marker of a system call number */
#define CIDS_CLONE_UNTRACED  0x00800000
#define CIDS_X32_SYSCALL_BIT 0x40000000

/* kernel-internal "restart me" returns, seen at a call's exit before signal delivery */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

#endif
