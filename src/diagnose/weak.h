/* Private to diagnose: the other modules' entry points, declared weak.
 *
 * Why: diagnose composes modules that land in this tree one by one, and the build links every
 * src/ object. A weak reference to a function whose module is not (yet) in the build resolves
 * to NULL instead of breaking the link, so diagnose reports that check as "absent" and runs
 * the rest. Once every module is in, these only cost a NULL test per call. HAVE(fn) is true
 * when fn is linked in. */
#ifndef NR_DIAGNOSE_WEAK_H
#define NR_DIAGNOSE_WEAK_H

#include "capture/capture.h"
#include "checks/bridge.h"
#include "checks/cni.h"
#include "checks/conntrack.h"
#include "checks/links.h"
#include "checks/neigh_overflow.h"
#include "checks/port.h"
#include "kmsg/kmsg.h"
#include "locate/locate.h"
#include "netlink/netlink.h"
#include "netns/netns.h"
#include "proc/proc.h"
#include "runtime/runtime.h"
#include "upload/upload.h"

#pragma weak nl_open
#pragma weak nl_close
#pragma weak nl_route_dump
#pragma weak nl_neigh_dump
#pragma weak nl_fdb_dump
#pragma weak nl_link_get_index
#pragma weak nl_mac_str
#pragma weak nl_neigh_state_name
#pragma weak nl_operstate_name
#pragma weak netns_list_all
#pragma weak links_collect
#pragma weak links_json
#pragma weak links_text
#pragma weak links_name
#pragma weak check_bridge_run
#pragma weak check_bridge_json
#pragma weak check_bridge_text
#pragma weak cni_detect
#pragma weak check_neigh_overflow_run
#pragma weak check_neigh_overflow_json
#pragma weak check_neigh_overflow_text
#pragma weak check_port_run
#pragma weak check_port_json
#pragma weak check_port_text
#pragma weak port_verdict_name
#pragma weak check_conntrack_run
#pragma weak check_conntrack_json
#pragma weak check_conntrack_text
#pragma weak locate_init
#pragma weak locate_fini
#pragma weak locate_run
#pragma weak locate_json
#pragma weak locate_text
#pragma weak locate_wiring_name
#pragma weak kmsg_walk
#pragma weak kmsg_time_str
#pragma weak kmsg_level_name
#pragma weak proc_walk_some
#pragma weak rt_open
#pragma weak rt_sources
#pragma weak capture_run
#pragma weak capture_json
#pragma weak capture_stop_name
#pragma weak upload_file
#pragma weak upload_json

#define HAVE(fn) ((fn) != NULL)

#endif
