// SPDX-License-Identifier: GPL-2.0
/* The race amplifier's module parameter; see race.h. */

#include <linux/moduleparam.h>

#include "race.h"

unsigned int tdpr_race_delay_us;
atomic_t tdpr_race_walks_held = ATOMIC_INIT(0);
module_param_named(race_delay_us, tdpr_race_delay_us, uint, 0600);
MODULE_PARM_DESC(race_delay_us,
		 "Test only: hold the lifecycle's race windows open this many us (0: off, at most 100)");
