/* The JSON documents a runtime leaves: an OCI config.json (containerd's task dir; the CRI
 * plugin names pod and container in "annotations") and Docker's container document (the API
 * answer or config.v2.json; the kubelet's dockershim names them in "Config"."Labels"). Each
 * key is looked up where it belongs, never as the first match anywhere in the text: a pod
 * name or an env value that happens to read "io.kubernetes.pod.uid" is not the label. */
#include <stdio.h>
#include <string.h>

#include "runtime/private.h"

/* Where names live: annotations (OCI) and Config.Labels (Docker); -1 when absent. */
struct where {
	const char *doc;
	const struct jt_tok *tok;
	int n;
	int obj[2];
};

/* The string at key in the first place that has it, unescaped into out; 0 or -1. */
static int name(const struct where *w, const char *key, char *out, size_t cap)
{
	int i, v;

	for (i = 0; i < 2; i++) {
		v = jt_get(w->doc, w->tok, w->n, w->obj[i], key);
		if (v >= 0 && jt_str(w->doc, w->tok, v, out, cap) >= 0)
			return 0;
	}
	out[0] = 0;
	return -1;
}

/* Either of two keys (the CRI plugin's, then dockershim's). */
static void name2(const struct where *w, const char *cri, const char *shim, char *out, size_t cap)
{
	if (name(w, cri, out, cap) < 0 && shim)
		name(w, shim, out, cap);
}

int rt_doc_names(const char *doc, size_t len, struct jt_tok *tok, int cap, struct rt_container *out)
{
	struct where w = { doc, tok, 0, { -1, -1 } };
	char id[RT_ID_MAX];

	memcpy(id, out->id, sizeof id);
	memset(out, 0, sizeof *out);
	memcpy(out->id, id, sizeof id);
	w.n = jt_parse(doc, len, tok, cap);
	if (w.n <= 0 || tok[0].type != JT_OBJECT)
		return -1;
	w.obj[0] = jt_get(doc, tok, w.n, 0, "annotations");
	w.obj[1] = jt_get(doc, tok, w.n, jt_get(doc, tok, w.n, 0, "Config"), "Labels");
	name2(&w, "io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid", out->pod_uid, sizeof out->pod_uid);
	name2(&w, "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name", out->pod_name, sizeof out->pod_name);
	name2(&w, "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace", out->pod_namespace,
	      sizeof out->pod_namespace);
	name2(&w, "io.kubernetes.cri.container-name", "io.kubernetes.container.name", out->name, sizeof out->name);
	name2(&w, "io.kubernetes.cri.container-type", NULL, out->type, sizeof out->type);
	if (!out->type[0] && out->name[0])
		snprintf(out->type, sizeof out->type, "%s", strcmp(out->name, "POD") ? "container" : "sandbox");
	return out->pod_uid[0] || out->pod_name[0] || out->name[0] ? 0 : -1;
}

int rt_doc_running(const char *doc, size_t len, struct jt_tok *tok, int cap)
{
	int n = jt_parse(doc, len, tok, cap), v;

	if (n <= 0)
		return 0;
	v = jt_get(doc, tok, n, jt_get(doc, tok, n, 0, "State"), "Running");
	return v >= 0 && tok[v].type == JT_PRIMITIVE && tok[v].end - tok[v].start == 4 &&
	       !memcmp(doc + tok[v].start, "true", 4);
}
