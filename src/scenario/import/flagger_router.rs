//! The router Flagger builds for a Canary's `provider`, after `fluxcd/flagger@15bd6ad`
//! (v1.44.0) `pkg/router/factory.go:MeshRouter`, tested in its order: the one table the
//! import's mirroring and A/B rules ([`super::flagger_mirror`], [`super::flagger_ab`]) read.

/// Which router `MeshRouter` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Istio's, named.
    Istio,
    /// Istio's, for a provider the factory does not know (its fallback).
    Unknown,
    /// Gateway API's (`gatewayapi:v1…`).
    GatewayApi,
    /// App Mesh's.
    AppMesh,
    /// Contour's.
    Contour,
    /// The NGINX ingress'.
    Nginx,
    /// Gloo's.
    Gloo,
    /// `kubernetes`: no router (`nop.go`).
    Kubernetes,
    /// Any other: SMI (Linkerd, OSM), Knative, Skipper, Traefik, APISIX, Kuma.
    Other,
}

/// A router: its kind, its name for messages and its source file under `pkg/router/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Router {
    pub kind: Kind,
    pub name: &'static str,
    pub file: &'static str,
}

/// The router `MeshRouter` builds for `provider`.
pub(super) fn router(provider: &str) -> Router {
    let r = |kind, name, file| Router { kind, name, file };
    match provider {
        p if p.starts_with("appmesh:v1beta2") => r(Kind::AppMesh, "App Mesh", "appmesh_v1beta2.go"),
        "appmesh" => r(Kind::AppMesh, "App Mesh", "appmesh.go"),
        "linkerd" => r(Kind::Other, "SMI (Linkerd)", "smi.go"),
        "istio" => r(Kind::Istio, "Istio", "istio.go"),
        p if p.starts_with("smi:v1alpha1") => r(Kind::Other, "SMI", "smi.go"),
        p if p.starts_with("smi:v1alpha2") => r(Kind::Other, "SMI", "smi_v1alpha2.go"),
        p if p.starts_with("smi:v1alpha3") => r(Kind::Other, "SMI", "smi_v1alpha3.go"),
        "contour" => r(Kind::Contour, "Contour", "contour.go"),
        "knative" => r(Kind::Other, "Knative", "knative.go"),
        p if p.starts_with("gloo") => r(Kind::Gloo, "Gloo", "gloo.go"),
        "nginx" => r(Kind::Nginx, "NGINX ingress", "ingress.go"),
        "skipper" => r(Kind::Other, "Skipper", "skipper.go"),
        "traefik" => r(Kind::Other, "Traefik", "traefik.go"),
        "apisix" => r(Kind::Other, "APISIX", "apisix.go"),
        "osm" => r(Kind::Other, "SMI (OSM)", "smi_v1alpha2.go"),
        "kuma" => r(Kind::Other, "Kuma", "kuma.go"),
        p if p.starts_with("gatewayapi:v1beta1") => {
            r(Kind::GatewayApi, "Gateway API", "gateway_api_v1beta1.go")
        }
        p if p.starts_with("gatewayapi:v1") => r(Kind::GatewayApi, "Gateway API", "gateway_api.go"),
        "kubernetes" => r(Kind::Kubernetes, "kubernetes", "nop.go"),
        _ => r(Kind::Unknown, "Istio", "istio.go"),
    }
}
