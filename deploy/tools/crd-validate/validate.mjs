// Validates the custom resources in rendered manifests against the schemas of their CRDs, which
// kubeconform's Kubernetes schemas do not cover: KEDA's ScaledObject and TriggerAuthentication,
// the Prometheus Operator's ServiceMonitor and PrometheusRule. The validators are the CRDs' OpenAPI schemas compiled
// by the kubernetes-models packages (types, required fields, enums, formats; like the API server
// they do not reject unknown fields, which a CRD prunes).
//
// Usage: node validate.mjs MANIFEST.yaml...   Exit 1 on any invalid resource.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = {
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

let valid = 0;
let invalid = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.log(`${file}: yaml error: ${doc.errors[0].message}`);
      invalid++;
      continue;
    }
    const obj = doc.toJS();
    if (!obj || typeof obj !== "object") continue;
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    if (!Model) continue;
    const name = `${obj.kind} ${obj.metadata?.name ?? "?"}`;
    try {
      new Model(obj).validate();
      valid++;
    } catch (error) {
      console.log(`${file} - ${name} is invalid: ${error.message}`);
      invalid++;
    }
  }
}
console.log(`crd-validate: ${valid} valid, ${invalid} invalid`);
process.exit(invalid > 0 ? 1 : 0);
