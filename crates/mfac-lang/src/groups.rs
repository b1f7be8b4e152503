//! The group graph: `group "G" { includes "H" }` makes every member of H a
//! member of G. Membership flows along edges H -> G; a directory group's
//! closure is everything reachable from it.

use crate::policy::{CheckedPolicy, RuleId};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Walker};
use rustc_hash::FxHashMap;

pub(crate) struct GroupGraph {
    graph: DiGraph<String, ()>,
    nodes: FxHashMap<String, NodeIndex>,
    /// Group rule of each node, if the policy has one.
    rule: FxHashMap<NodeIndex, RuleId>,
}

impl GroupGraph {
    pub(crate) fn new(policy: &CheckedPolicy) -> Self {
        let mut g = GroupGraph {
            graph: DiGraph::new(),
            nodes: FxHashMap::default(),
            rule: FxHashMap::default(),
        };
        for (id, rule) in policy.rules.iter().enumerate() {
            // A scoped rule's groups are groups the policy knows, though
            // only a `group` rule writes `includes` or is the group's rule.
            let scope = &rule.scope;
            for name in scope.groups.iter().chain(&scope.except.groups) {
                g.node(name);
            }
            if let Some(name) = scope.single_group().filter(|_| rule.name.is_none()) {
                let n = g.node(name);
                g.rule.insert(n, id);
                for inc in &rule.includes {
                    let m = g.node(&inc.value);
                    g.graph.update_edge(m, n, ());
                }
            }
        }
        g
    }

    fn node(&mut self, name: &str) -> NodeIndex {
        if let Some(n) = self.nodes.get(name) {
            return *n;
        }
        let n = self.graph.add_node(name.to_string());
        self.nodes.insert(name.to_string(), n);
        n
    }

    /// Every group name the graph knows: group rules and the groups they include.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.graph.node_weights().map(String::as_str)
    }

    /// The `group` rules that apply to a member of directory group `name`
    /// (scoped rules aside).
    pub(crate) fn rules_for(&self, name: &str) -> Vec<RuleId> {
        let Some(&start) = self.nodes.get(name) else {
            return vec![];
        };
        let mut ids: Vec<RuleId> = Bfs::new(&self.graph, start)
            .iter(&self.graph)
            .filter_map(|n| self.rule.get(&n).copied())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The groups a member of directory group `name` is a member of: itself
    /// and every group it reaches through `includes`.
    pub(crate) fn closure<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        let Some(&start) = self.nodes.get(name) else {
            return vec![name];
        };
        Bfs::new(&self.graph, start)
            .iter(&self.graph)
            .filter_map(|n| self.graph.node_weight(n).map(String::as_str))
            .collect()
    }

    /// Strongly connected sets of groups that include one another.
    pub(crate) fn cycles(&self) -> Vec<Vec<&str>> {
        petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| {
                scc.len() > 1 || scc.first().is_some_and(|&n| self.graph.contains_edge(n, n))
            })
            .map(|scc| {
                let mut names: Vec<&str> = scc
                    .into_iter()
                    .filter_map(|n| self.graph.node_weight(n).map(String::as_str))
                    .collect();
                names.sort_unstable();
                names
            })
            .collect()
    }
}
