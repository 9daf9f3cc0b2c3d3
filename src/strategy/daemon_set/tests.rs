//! Unit tests of the DaemonSet controller: exact timelines on small clusters.
