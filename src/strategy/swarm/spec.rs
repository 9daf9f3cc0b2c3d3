//! The part of a Swarm service's spec that decides whether a task is dirty.
//!
//! swarmkit (`manager/orchestrator/task.go` `IsTaskDirty`, v2.1.2) compares the service's
//! `Spec.Task` with the task's own copy (`reflect.DeepEqual`). Of that `TaskSpec`, the
//! simulator varies two things: the image (the scenario's version) and `ForceUpdate`
//! (`api/specs.proto`), the counter `docker service update --force` increments
//! (docker/cli `cli/command/service/update.go` `updateService`: `ForceUpdate++`) so that
//! every task is replaced through `update_config` with nothing else changed.

use crate::scenario::VersionId;

/// A service's `Spec.Task` as far as dirtiness goes: a task is of the spec when both its
/// version and its `ForceUpdate` are the spec's, so `TaskSpec::of(NEXT).forced()` makes
/// every task of `NEXT` dirty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct TaskSpec {
    /// The image, as the scenario's version.
    pub(super) version: VersionId,
    /// `TaskSpec.ForceUpdate`.
    pub(super) force_update: u32,
}

impl TaskSpec {
    /// The spec of `version`, never forced.
    pub(super) const fn of(version: VersionId) -> TaskSpec {
        TaskSpec {
            version,
            force_update: 0,
        }
    }

    /// This spec after `docker service update --force`: the same image, the next
    /// `ForceUpdate`.
    pub(super) fn forced(self) -> TaskSpec {
        TaskSpec {
            force_update: self.force_update + 1,
            ..self
        }
    }

    /// This spec with another image (`docker service update --image`); `ForceUpdate` is
    /// kept, as the CLI copies the rest of the spec.
    pub(super) fn with_version(self, version: VersionId) -> TaskSpec {
        TaskSpec { version, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CURRENT, NEXT};

    #[test]
    fn a_forced_spec_differs_only_in_its_counter() {
        let s = TaskSpec::of(NEXT);
        assert_eq!(s.forced().version, NEXT);
        assert_ne!(s.forced(), s);
        assert_eq!(s.forced().with_version(CURRENT).force_update, 1);
        assert_ne!(s.forced().with_version(NEXT), s);
    }
}
