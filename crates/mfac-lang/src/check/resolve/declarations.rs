//! The declarations a rule reads: the calendar, and strengths (named
//! factor sets, built from factors and other strengths), and factor lists
//! written with them.

use super::*;

impl Resolver {
    pub(super) fn calendar(&mut self, c: &syn::CalendarDecl) -> Calendar {
        let mut cal = Calendar::default();
        let mut seen_hours: Option<Span> = None;
        for w in &c.work_hours {
            if let Some(first) = seen_hours {
                self.errors.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_DECLARATION,
                        w.span,
                        "`work_hours` is declared twice",
                    )
                    .label("second declaration")
                    .related(first, "first declared here"),
                );
                continue;
            }
            seen_hours = Some(w.span);
            if w.start.value >= w.end.value {
                self.errors.push(
                    Diagnostic::new(
                        &codes::BAD_WORK_HOURS,
                        w.span,
                        "work hours end before they start",
                    )
                    .label("the end time is not after the start time"),
                );
                continue;
            }
            cal.workdays = w.days;
            cal.start = w.start.value;
            cal.end = w.end.value;
        }
        cal.holidays = c.holidays.iter().map(|h| h.value).collect();
        cal.holidays.sort();
        cal.holidays.dedup();
        cal
    }

    pub(super) fn resolve_strengths(&mut self, decls: &[&syn::StrengthDecl]) -> Vec<Strength> {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        let mut unique: Vec<&syn::StrengthDecl> = Vec::new();
        for d in decls {
            let name = d.name.value.as_str();
            if Factor::from_name(name).is_some() {
                self.errors.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_DECLARATION,
                        d.name.span,
                        format!("strength `{name}` has the name of a factor"),
                    )
                    .label("already a factor kind")
                    .help("give the strength a name of its own, e.g. `strong` or `phishing_resistant`"),
                );
                continue;
            }
            if let Some(&first) = index.get(name) {
                let first_span = unique.get(first).map(|f| f.name.span).unwrap_or_default();
                self.errors.push(
                    Diagnostic::new(
                        &codes::DUPLICATE_DECLARATION,
                        d.name.span,
                        format!("strength `{name}` is declared twice"),
                    )
                    .label("second declaration")
                    .related(first_span, "first declared here"),
                );
                continue;
            }
            index.insert(name, unique.len());
            unique.push(d);
        }

        // Strengths may name other strengths; resolve dependencies first and
        // report cycles instead of following them.
        let mut graph: DiGraph<usize, ()> = DiGraph::new();
        let nodes: Vec<_> = (0..unique.len()).map(|i| graph.add_node(i)).collect();
        for (i, d) in unique.iter().enumerate() {
            for n in &d.set.names {
                if let Some(&j) = index.get(n.value.as_str()) {
                    if let (Some(&a), Some(&b)) = (nodes.get(i), nodes.get(j)) {
                        graph.update_edge(a, b, ());
                    }
                }
            }
        }
        let mut out = Vec::new();
        // Tarjan yields strongly connected components dependencies-first.
        for scc in petgraph::algo::tarjan_scc(&graph) {
            let cyclic = scc.len() > 1 || scc.first().is_some_and(|&n| graph.contains_edge(n, n));
            let members: Vec<&syn::StrengthDecl> = scc
                .iter()
                .filter_map(|n| graph.node_weight(*n))
                .filter_map(|&i| unique.get(i).copied())
                .collect();
            if cyclic {
                let mut names: Vec<&str> = members.iter().map(|d| d.name.value.as_str()).collect();
                names.sort_unstable();
                if let Some(first) = members.iter().min_by_key(|d| d.span.start) {
                    let mut diag = Diagnostic::new(
                        &codes::STRENGTH_CYCLE,
                        first.name.span,
                        format!(
                            "strengths refer to each other in a cycle: `{}`",
                            names.join("`, `")
                        ),
                    )
                    .label("part of the cycle");
                    for other in members.iter().filter(|d| d.span != first.span) {
                        diag = diag.related(other.name.span, "also part of the cycle");
                    }
                    self.errors.push(diag);
                }
                for d in &members {
                    self.strengths.insert(d.name.value.clone(), None);
                }
                continue;
            }
            for d in members {
                let set = self.factor_set(&d.set);
                self.strengths.insert(d.name.value.clone(), set);
                if let Some(set) = set {
                    out.push(Strength {
                        name: d.name.value.clone(),
                        span: d.name.span,
                        set,
                    });
                }
            }
        }
        out.sort_by_key(|s| s.span.start);
        out
    }

    /// Resolve `a | b | strength`. `None` when a name does not resolve (the
    /// error is reported here, so later checks do not pile onto it).
    pub(super) fn factor_set(&mut self, expr: &syn::FactorExpr) -> Option<FactorSet> {
        let mut set = FactorSet::EMPTY;
        let mut ok = true;
        for n in &expr.names {
            let name = n.value.as_str();
            match Factor::from_name(name) {
                Some(Factor::BackupCode) => {
                    self.errors.push(
                        Diagnostic::new(&codes::MISPLACED_FIELD, n.span, "`backup_code` is a recovery factor, not an allowed factor")
                            .label("recovery only")
                            .help("write `recovery backup_code` in the rule to let backup codes answer a challenge"),
                    );
                    ok = false;
                }
                Some(f) => set = set.with(f),
                None => match self.strengths.get(name) {
                    Some(Some(s)) => set = set.union(*s),
                    Some(None) => ok = false,
                    None => {
                        self.errors
                            .push(unknown_factor(n, self.strengths.keys().map(String::as_str)));
                        ok = false;
                    }
                },
            }
        }
        ok.then_some(set)
    }
}
