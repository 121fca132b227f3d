/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The detection models' settings (detection.model): what each sets before the detection keys
 * of a configuration override them. */
#include "cids/config.h"
#include "cids/engine.h"

void config_detection_model(struct cids_config *c, enum cids_model m)
{
	c->model = m;
	if (m == CIDS_MODEL_PAPER) {
		c->detection.threshold = 1;
		c->detection.flags = 0;
		c->enforce_threshold = 1;
		c->startup_grace_s = 0;
	} else {
		c->detection.threshold = CIDS_TOLERANT_THRESHOLD;
		c->detection.flags = CIDS_DET_UNSEEN_CALLS | CIDS_DET_NEAR_WINDOWS |
				     CIDS_DET_LOW_RISK_UNSEEN | CIDS_DET_NEAR_QUIET |
				     CIDS_DET_REPEATS_ONCE;
		c->enforce_threshold = CIDS_TOLERANT_ENFORCE_THRESHOLD;
		c->startup_grace_s = CIDS_TOLERANT_STARTUP_GRACE_S;
	}
}
