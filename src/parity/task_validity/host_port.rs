//! PA107: under the `awsvpc` network mode (always on Fargate) a port mapping's `hostPort` must
//! be left out or equal its `containerPort`.

use super::Task;
use crate::diagnostics::Finding;
use crate::parity::rules::{finding, HOST_PORT_DIFFERS_UNDER_AWSVPC};

pub(super) fn check(t: &Task) -> Vec<Finding> {
    if !t.awsvpc() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in &t.task.container_definitions {
        for p in &c.port_mappings {
            let (Some(host), container) = (p.host_port, p.container_port) else {
                continue;
            };
            if Some(host) == container {
                continue;
            }
            let container = container.map_or("not set".to_string(), |p| p.to_string());
            out.push(
                finding(
                    &HOST_PORT_DIFFERS_UNDER_AWSVPC,
                    &t.env.name,
                    format!("{}: {}.portMappings", t.service.name, c.name),
                    format!(
                        "{}: container `{}` maps host port {host} to container port {container}, but under awsvpc the two must be equal",
                        t.label(),
                        c.name
                    ),
                )
                .with_note("leave `hostPort` out, or set it to the `containerPort`"),
            );
        }
    }
    out
}
