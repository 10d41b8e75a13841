/* Overlay overheads the mtu check subtracts from the uplink MTU. */
#include "checks/mtu.h"
#include "t.h"

static void overheads(void)
{
	CHECK_INT(mtu_overlay_overhead("vxlan", "flannel.1"), 50);
	CHECK_INT(mtu_overlay_overhead("vxlan", "vxlan.calico"), 50);
	CHECK_INT(mtu_overlay_overhead("geneve", "genev_sys_6081"), 50);
	CHECK_INT(mtu_overlay_overhead("wireguard", "wg0"), 60);
	CHECK_INT(mtu_overlay_overhead("ipip", "tunl0"), 20);
	CHECK_INT(mtu_overlay_overhead("gre", "gre1"), 24);
	CHECK_INT(mtu_overlay_overhead("openvswitch", "datapath"), 50);
	CHECK_INT(mtu_overlay_overhead("openvswitch", "ovs-system"), 0);
	CHECK_INT(mtu_overlay_overhead("veth", "gke1234"), 0);
	CHECK_INT(mtu_overlay_overhead("bridge", "cbr0"), 0);
	CHECK_INT(mtu_overlay_overhead("", "eth0"), 0);
}

int main(void)
{
	RUN(overheads);
	return T_EXIT();
}
