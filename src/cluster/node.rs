//! A node: capacity, what is allocated on it, and its image cache.

use crate::scenario::{NodeSpec, Resources};
use crate::sim::time::{NEVER, Time};

/// One node of the cluster.
///
/// Laid out in declaration order (`repr(C)`), what a placement check reads first (up,
/// used and capacity), so a check of a node far away in a large cluster touches one
/// cache line.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Node {
    /// `false` while the node is down.
    pub up: bool,
    /// Cordoned by a drain (`spec.unschedulable`, Swarm availability `drain`): it takes no
    /// new task, up or not.
    pub cordoned: bool,
    /// Up and not cordoned: whether the scheduler may put a task there (kept beside the
    /// two, so that a placement tests one flag a node).
    pub schedulable: bool,
    /// The control plane has noticed the node's loss and the node has not come back
    /// since: Swarm declared it DOWN; Kubernetes' node lifecycle controller set its Ready
    /// condition Unknown and tainted it `node.kubernetes.io/unreachable` `NoSchedule` and
    /// `NoExecute`. What the controllers read as "down", `up` being the machine itself.
    pub noticed_down: bool,
    /// One of the nodes the cluster autoscaler may add, not added yet (or not Ready yet):
    /// no node at all for the scheduler, which neither places a task there nor gives a
    /// reason for it. Also not `up` and not `schedulable`.
    pub absent: bool,
    /// Tasks of the service holding resources on it, those told to stop included (what
    /// its allocation is made of; Kubernetes' spread criterion in the model).
    pub tasks: u32,
    /// Tasks of the service on it that hold resources and are not told to stop (Swarm's
    /// spread criterion: swarmkit counts a task as active while its desired state is at
    /// most COMPLETED). At most `tasks`.
    pub active: u32,
    /// Cpu requested by tasks on it.
    pub cpu_used: u64,
    /// Allocatable cpu in millicores.
    pub cpu_capacity: u64,
    /// Memory requested by tasks on it.
    pub memory_used: u64,
    /// Allocatable memory in bytes.
    pub memory_capacity: u64,
    /// Per version: when its image is (or will be) present; `NEVER` until a pull starts.
    pub image_at: Vec<Time>,
    /// Per version: a pull that may fail (`faults.pull_failure_probability`), in flight
    /// or landed, for which no task waiting for it has drawn a success yet. Its image is
    /// not on the disk until one has: a task placed after `image_at` but before then
    /// joins the pull and draws its own outcome.
    pub pull_undecided: Vec<bool>,
    /// How many pulls this node started (keys the pull-time stream).
    pub pulls: u32,
    /// Random losses drawn so far (keys the node-failure stream).
    pub losses: u32,
    /// Losses so far: tells a detection event of an earlier loss from the current one.
    pub down_epoch: u32,
}

impl Node {
    /// An empty node with the given spec; `cached` versions are present from the start.
    pub fn new(spec: &NodeSpec, versions: usize, cached: &[u8]) -> Node {
        let mut image_at = vec![NEVER; versions];
        for &v in cached {
            image_at[v as usize] = 0;
        }
        Node {
            pull_undecided: vec![false; versions],
            cpu_capacity: spec.cpu_millis,
            memory_capacity: spec.memory_bytes,
            cpu_used: 0,
            memory_used: 0,
            tasks: 0,
            active: 0,
            image_at,
            pulls: 0,
            up: true,
            cordoned: false,
            schedulable: true,
            noticed_down: false,
            absent: false,
            losses: 0,
            down_epoch: 0,
        }
    }

    /// Back to the state [`Node::new`] gives, keeping the allocation (one per trial otherwise).
    pub fn reset(&mut self, spec: &NodeSpec, cached: &[u8]) {
        self.cpu_capacity = spec.cpu_millis;
        self.memory_capacity = spec.memory_bytes;
        self.cpu_used = 0;
        self.memory_used = 0;
        self.tasks = 0;
        self.active = 0;
        self.image_at.fill(NEVER);
        self.pull_undecided.fill(false);
        for &v in cached {
            self.image_at[v as usize] = 0;
        }
        self.pulls = 0;
        self.up = true;
        self.cordoned = false;
        self.schedulable = true;
        self.noticed_down = false;
        self.absent = false;
        self.losses = 0;
        self.down_epoch = 0;
    }

    /// The machine goes down (`false`) or comes back (and with it, whatever the control
    /// plane had noticed of its loss).
    pub fn set_up(&mut self, up: bool) {
        self.up = up;
        self.noticed_down &= !up;
        self.schedulable = up && !self.cordoned;
    }

    /// Not added yet by the cluster autoscaler: see [`Node::absent`].
    pub fn make_absent(&mut self) {
        self.absent = true;
        self.set_up(false);
    }

    /// Added by the cluster autoscaler: Ready, and schedulable from now on.
    pub fn join(&mut self) {
        self.absent = false;
        self.set_up(true);
    }

    /// Cordoned: no new task from now on.
    pub fn cordon(&mut self) {
        self.cordoned = true;
        self.schedulable = false;
    }

    /// Uncordoned: it takes tasks again, if up.
    pub fn uncordon(&mut self) {
        self.cordoned = false;
        self.schedulable = self.up;
    }

    /// Whether a task with these requests fits now (on a schedulable node).
    pub fn fits(&self, r: Resources) -> bool {
        self.schedulable && self.has_room(r)
    }

    /// Whether its allocatable cpu and memory have room for a task with these requests,
    /// schedulable or not.
    pub fn has_room(&self, r: Resources) -> bool {
        self.cpu_used + r.cpu_millis <= self.cpu_capacity
            && self.memory_used + r.memory_bytes <= self.memory_capacity
    }

    /// Free cpu in millicores.
    pub fn cpu_free(&self) -> u64 {
        self.cpu_capacity - self.cpu_used
    }

    /// Free memory in bytes.
    pub fn memory_free(&self) -> u64 {
        self.memory_capacity - self.memory_used
    }
}
