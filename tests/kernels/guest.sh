#!/bin/busybox sh
# Runs as /init inside a qemu guest booted on another kernel (tests/kernels/run.sh builds the
# initramfs). It needs nothing but busybox and netrescue: it builds a small node (a cbr0 bridge
# and a pod network namespace on a veth, a listener in the pod), runs netrescue's commands and
# writes each one's output between markers on the console; the host asserts on them with jq.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /run /var/tmp && mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
NR=/netrescue
HR=/hostroot
mkdir -p $HR/etc/cni/net.d $HR/var/lib/kubelet/pods $HR/var/log/pods
: > $HR/etc/sysctl.conf

# Kernel modules this kernel builds as modules, in dependency order (a list made by run.sh).
for m in $(cat /modules.order 2>/dev/null); do insmod "/modules/$m.ko" 2>/dev/null; done

run() { # NAME CMD...: output between markers, then the exit code
	name=$1; shift
	echo "=== BEGIN $name"
	"$@" 2>/tmp/err
	rc=$?
	echo "=== END $name rc=$rc"
	sed 's/^/=== STDERR /' /tmp/err
}

echo; echo "=== START"
ip link set lo up
# The node's "uplink" and the pod bridge.
ip link add eth9 type veth && ip link set veth0 name vpc9
ip addr add 10.128.0.2/20 dev eth9 && ip link set eth9 mtu 1460 up && ip link set vpc9 up
ip route add default via 10.128.0.1 dev eth9
brctl addbr cbr0
ip addr add 10.4.0.1/24 dev cbr0 && ip link set cbr0 mtu 1460 up
# The pod: a network namespace held by a process, on a veth into cbr0.
unshare -n sleep 100000 &
POD=$!
sleep 0.2
# The pod's process in a kubepods cgroup, as the kubelet puts it (netrescue tells pods by it).
if mkdir -p /sys/fs/cgroup/kubepods/besteffort/pod0a0b0c0d-1111-2222-3333-444455556666/c0ffee 2>/dev/null; then
	echo $POD >/sys/fs/cgroup/kubepods/besteffort/pod0a0b0c0d-1111-2222-3333-444455556666/c0ffee/cgroup.procs
fi
ip link add vethpod1 type veth && ip link set veth0 name podeth0
ip link set podeth0 netns $POD
brctl addif cbr0 vethpod1
ip link set vethpod1 mtu 1460 up
nsenter -t $POD -n sh -c 'ip link set lo up; ip link set podeth0 name eth0; ip link set eth0 mtu 1460 up;
	ip addr add 10.4.0.5/24 dev eth0; ip route add default via 10.4.0.1'
nsenter -t $POD -n nc -l -p 8080 -e /bin/cat &
LISTENER=$!
sleep 0.3
ping -c 2 -W 1 10.4.0.5 >/dev/null 2>&1

run version $NR --json version
run links $NR --json --host-root $HR links
run neigh $NR --json --host-root $HR neigh
run locate $NR --json --host-root $HR locate 10.4.0.5
run mtu $NR --json --host-root $HR mtu
run sockets $NR --json --host-root $HR sockets --pid $LISTENER --listen
run port $NR --json --host-root $HR port 8080
ip link set cbr0 down
run bridge_down $NR --json --host-root $HR bridge cbr0
run bridge_fix $NR --json --host-root $HR bridge cbr0 --fix
# conntrack before and after nf_conntrack is loaded (cloud kernels build it as a module).
run conntrack_before $NR --json --host-root $HR conntrack
for m in $(cat /modules.conntrack 2>/dev/null); do insmod "/modules/$m.ko" 2>/dev/null; done
run conntrack_after $NR --json --host-root $HR conntrack
(sleep 1; ping -c 5 -i 0.2 10.4.0.5 >/dev/null 2>&1) &
run capture $NR --json --host-root $HR capture -i cbr0 -c 4 -w /tmp/c.pcap --duration 10 icmp
# Drops on this kernel: UDP to a port nothing listens on in the pod (NO_SOCKET), the reason
# names read from this kernel's own tracepoint format, flows through its BTF.
(sleep 1; for i in 1 2 3 4 5; do echo x | nc -u -w 1 10.4.0.5 9 2>/dev/null; done) &
run drops $NR --json --host-root $HR drops --duration 4
echo "<4>nrkernels-marker-$$ hello" > /dev/kmsg
run kmsg $NR --json kmsg --grep nrkernels-marker
run diagnose $NR --json --host-root $HR diagnose --pod-ip 10.4.0.5 --port 8080
echo "=== DONE"
kill $LISTENER $POD 2>/dev/null
poweroff -f
