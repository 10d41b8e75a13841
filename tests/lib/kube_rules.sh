# kube_rules N: prints an iptables-restore file with kube-proxy's iptables layout for N Services
# of two endpoints each (~5 rules per Service: KUBE-SERVICES, KUBE-SVC x3, KUBE-SEP x4 per two
# endpoints), the size of a big node when N is 10,000 (~50,000 rules with the SEP chains).
# Cluster IPs 10.96.X.Y, endpoints 10.4.X.Y:8080 and 10.5.X.Y:8080.
kube_rules() {
	awk -v n="$1" 'BEGIN {
		print "*nat"
		print ":PREROUTING ACCEPT [0:0]"; print ":INPUT ACCEPT [0:0]"; print ":OUTPUT ACCEPT [0:0]"
		print ":POSTROUTING ACCEPT [0:0]"; print ":KUBE-SERVICES - [0:0]"; print ":KUBE-MARK-MASQ - [0:0]"
		for (i = 0; i < n; i++) {
			printf ":KUBE-SVC-%016d - [0:0]\n:KUBE-SEP-A%015d - [0:0]\n:KUBE-SEP-B%015d - [0:0]\n", i, i, i
		}
		print "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
		print "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
		print "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"
		for (i = 0; i < n; i++) {
			x = int(i / 250); y = i % 250 + 1; s = sprintf("ns%d/svc%d:http", i % 97, i)
			printf "-A KUBE-SERVICES -d 10.96.%d.%d/32 -p tcp -m comment --comment \"%s cluster IP\" -m tcp --dport 80 -j KUBE-SVC-%016d\n", x, y, s, i
			printf "-A KUBE-SVC-%016d ! -s 10.4.0.0/14 -d 10.96.%d.%d/32 -p tcp -m comment --comment \"%s cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n", i, x, y, s
			printf "-A KUBE-SVC-%016d -m comment --comment \"%s -> 10.4.%d.%d:8080\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A%015d\n", i, s, x, y, i
			printf "-A KUBE-SVC-%016d -m comment --comment \"%s -> 10.5.%d.%d:8080\" -j KUBE-SEP-B%015d\n", i, s, x, y, i
			printf "-A KUBE-SEP-A%015d -s 10.4.%d.%d/32 -m comment --comment \"%s\" -j KUBE-MARK-MASQ\n", i, x, y, s
			printf "-A KUBE-SEP-A%015d -p tcp -m comment --comment \"%s\" -m tcp -j DNAT --to-destination 10.4.%d.%d:8080\n", i, s, x, y
			printf "-A KUBE-SEP-B%015d -s 10.5.%d.%d/32 -m comment --comment \"%s\" -j KUBE-MARK-MASQ\n", i, x, y, s
			printf "-A KUBE-SEP-B%015d -p tcp -m comment --comment \"%s\" -m tcp -j DNAT --to-destination 10.5.%d.%d:8080\n", i, s, x, y
		}
		print "COMMIT"
	}'
}
