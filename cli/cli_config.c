/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration, for commands that take their paths from it when not given on the line. */
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cli.h"

int cli_config_load(const char *path, struct cids_config **ret)
{
	_cleanup_free_ struct cids_config *cfg = malloc(sizeof(*cfg));
	char why[256] = "";
	int r;

	if (!cfg)
		return log_error_errno(-ENOMEM, "Cannot load configuration");
	r = config_load(path, cfg, why, sizeof(why));
	if (r < 0)
		return log_error("Cannot load configuration: %s", why[0] ? why : strerror(-r)), r;
	*ret = TAKE_PTR(cfg);
	return 0;
}
