/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte sources for the trace readers: a plain file or memory, gunzipped when the name ends in
 * .gz/.tgz, and split into members when it is a tar archive (.tar, .tar.gz, .tgz), each member
 * gunzipped again when its own name ends in .gz (the UNM archives hold one gzipped trace per
 * process run). Each member is a trace boundary.
 */
#ifndef CIDS_TRACES_TRACE_SRC_H
#define CIDS_TRACES_TRACE_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TSRC_MAX_MEMBERS  (1u << 20)
#define TSRC_MAX_INFLATED (4ull << 30) /* decompressed bytes per file */

struct tsrc;

/* Takes ownership of fd. name decides the layers (suffixes above). */
int tsrc_open_fd(int fd, const char *name, struct tsrc **ret);
int tsrc_open_mem(const void *buf, size_t len, const char *name, struct tsrc **ret);
void tsrc_free(struct tsrc *s);

/* Bytes of the current member (the whole stream when not an archive): > 0, 0 at its end,
 * -EIO read error, -EBADMSG corrupt compressed data or archive, -E2BIG over TSRC_MAX_INFLATED
 * (tsrc_error says why). */
ssize_t tsrc_read(struct tsrc *s, void *buf, size_t n);
/* Move to the next regular-file member (the first one after opening): 1, 0 when there is none
 * (or not an archive), -errno. */
int tsrc_next_member(struct tsrc *s);
bool tsrc_is_archive(const struct tsrc *s);
const char *tsrc_member(const struct tsrc *s); /* current member's name, "" if none */
const char *tsrc_error(const struct tsrc *s);

#endif
