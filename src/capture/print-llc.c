/* IEEE 802.2 LLC after an 802.3 length field: STP BPDUs (802.1D), SNAP (RFC 1042), anything
 * else named by its SAPs, never as an ethertype (print-llc.c/print-stp.c in tcpdump). */
#include "capture/print.h"

enum { SAP_STP = 0x42, SAP_SNAP = 0xaa, LLC_UI = 0x03 };

static void stp_flags(struct out *o, unsigned f)
{
	static const struct { unsigned bit; const char *name; } t[] = {
		{ 0x01, "Topology change" }, { 0x02, "Proposal" }, { 0x10, "Learn" },
		{ 0x20, "Forward" }, { 0x40, "Agreement" }, { 0x80, "Topology change ACK" },
	};
	size_t i;
	int any = 0;

	outf(o, ", Flags [");
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (f & t[i].bit)
			outf(o, "%s%s", any++ ? ", " : "", t[i].name);
	outf(o, "%s]", any ? "" : "none");
}

/* tcpdump's non-verbose form: "STP 802.1d, Config, Flags [none], bridge-id 8000.MAC.8001, length 35". */
static void stp(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	static const char *const ver[] = { "802.1d", "?", "802.1w", "802.1s" };

	if (cap < 4 || be16(p) != 0) {
		outf(o, "STP unknown protocol, length %zu", len);
		return;
	}
	outf(o, "STP %s", p[2] < 4 ? ver[p[2]] : "unknown version");
	if (p[3] == 0x80) {
		outf(o, ", Topology Change, length %zu", len);
		return;
	}
	outf(o, ", %s", p[3] == 0 ? "Config" : p[3] == 2 ? "Rapid STP" : "Unknown BPDU Type");
	if (cap < 27 || (p[3] != 0 && p[3] != 2)) {
		outf(o, ", length %zu", len);
		return;
	}
	stp_flags(o, p[4]);
	outf(o, ", bridge-id %02x%02x.%02x:%02x:%02x:%02x:%02x:%02x.%04x, length %zu", p[17], p[18],
	     p[19], p[20], p[21], p[22], p[23], p[24], be16(p + 25), len);
}

static const char *sap_name(unsigned sap)
{
	switch (sap) {
	case 0x00: return "Null";
	case 0x06: return "IP";
	case SAP_STP: return "STP";
	case SAP_SNAP: return "SNAP";
	case 0xe0: return "IPX";
	case 0xf0: return "NetBeui";
	case 0xfe: return "OSI";
	}
	return "Unknown";
}

void pr_llc(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	unsigned dsap, ssap, ctl;

	if (cap < 3 || len < 3 || (cap >= 8 && len < 8 && p[0] == SAP_SNAP)) {
		outf(o, "LLC [truncated], length %zu", len);
		return;
	}
	dsap = p[0] & 0xfe, ssap = p[1] & 0xfe, ctl = p[2];
	if (o->flags & CAPTURE_DECODE_LINK) /* tcpdump -e names the SAPs and the control field */
		outf(o, "LLC, dsap %s (0x%02x) %s, ssap %s (0x%02x) %s, ctrl 0x%02x: ", sap_name(dsap), dsap,
		     p[0] & 1 ? "Group" : "Individual", sap_name(ssap), ssap, p[1] & 1 ? "Response" : "Command", ctl);
	if (dsap == SAP_STP && ssap == SAP_STP && ctl == LLC_UI) {
		stp(o, p + 3, cap - 3, len - 3);
	} else if (dsap == SAP_SNAP && ssap == SAP_SNAP && ctl == LLC_UI && cap >= 8) {
		/* RFC 1042: OUI 0 carries an ethertype. */
		if (be24(p + 3) == 0 && be16(p + 6) > ET_MAXLEN) {
			if (o->flags & CAPTURE_DECODE_LINK)
				outf(o, "oui Ethernet (0x000000), ethertype %s (0x%04x), length %zu: ",
				     pr_ether_name(be16(p + 6)), be16(p + 6), len - 8);
			pr_ethertype(o, be16(p + 6), p + 8, cap - 8, len - 8);
		}
		else
			outf(o, "SNAP, oui 0x%06lx, pid 0x%04x, length %zu", be24(p + 3), be16(p + 6), len);
	} else {
		outf(o, "LLC, dsap 0x%02x, ssap 0x%02x, ctrl 0x%02x, length %zu", p[0], p[1], ctl, len);
	}
}
