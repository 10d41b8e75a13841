/* The command table: one line per command, in the order `netrescue help` lists them. */
#include "cli/cli.h"

extern const struct cli_cmd cmd_diagnose;
extern const struct cli_cmd cmd_locate;
extern const struct cli_cmd cmd_links;
extern const struct cli_cmd cmd_neigh;
extern const struct cli_cmd cmd_bridge;
extern const struct cli_cmd cmd_mtu;
extern const struct cli_cmd cmd_conntrack;
extern const struct cli_cmd cmd_flows;
extern const struct cli_cmd cmd_ps;
extern const struct cli_cmd cmd_health;
extern const struct cli_cmd cmd_sockets;
extern const struct cli_cmd cmd_port;
extern const struct cli_cmd cmd_kmsg;
extern const struct cli_cmd cmd_rules;
extern const struct cli_cmd cmd_service;
extern const struct cli_cmd cmd_capture;
extern const struct cli_cmd cmd_drops;
extern const struct cli_cmd cmd_upload;
extern const struct cli_cmd cmd_probe;
extern const struct cli_cmd cmd_dns;
extern const struct cli_cmd cmd_version;
extern const struct cli_cmd cmd_pause;
extern const struct cli_cmd cmd_help;

const struct cli_cmd *const cli_commands[] = {
	&cmd_diagnose,
	&cmd_locate,
	&cmd_links,
	&cmd_neigh,
	&cmd_bridge,
	&cmd_mtu,
	&cmd_conntrack,
	&cmd_flows,
	&cmd_ps,
	&cmd_health,
	&cmd_sockets,
	&cmd_port,
	&cmd_kmsg,
	&cmd_rules,
	&cmd_service,
	&cmd_capture,
	&cmd_drops,
	&cmd_upload,
	&cmd_probe,
	&cmd_dns,
	&cmd_version,
	&cmd_pause,
	&cmd_help,
	NULL,
};
