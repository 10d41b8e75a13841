// Validates Kubernetes manifests offline against the API's JSON schemas (kubernetes-models).
import fs from "fs";
import yaml from "js-yaml";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
const kinds = { "apps/v1/DaemonSet": DaemonSet, "batch/v1/Job": Job };
let bad = 0;
for (const f of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(f, "utf8"))) {
    const K = kinds[`${doc.apiVersion}/${doc.kind}`];
    if (!K) { console.log(`not ok - ${f}: unknown kind ${doc.apiVersion}/${doc.kind}`); bad++; continue; }
    try { new K(doc).validate(); console.log(`ok - ${f}: ${doc.kind} valid against the ${doc.apiVersion} schema`); }
    catch (e) { console.log(`not ok - ${f}: ${doc.kind}: ${String(e.message).replace(/\n/g, " ").slice(0, 400)}`); bad++; }
  }
}
process.exit(bad ? 1 : 0);
