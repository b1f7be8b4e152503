//! `assert` blocks: each claim as a property the engine proves, its scope
//! and bounds resolved against the policy.

use super::*;

impl Resolver {
    pub(super) fn assertion(&mut self, a: &syn::AssertDecl, policy: &CheckedPolicy) -> Assertion {
        use mfac_prove::{Condition, Property};
        self.repeated(&a.repeated);
        let scope = super::comply::prove_scope(&a.scope.value);
        let from = a.from.as_ref().map(|d| self.instant(policy, d));
        let until = a.until.as_ref().map(|d| self.instant(policy, d));
        let mut scope_span = a.scope.span;
        for s in [
            a.app.as_ref().map(|x| x.span),
            a.from.as_ref().map(|x| x.span),
            a.until.as_ref().map(|x| x.span),
        ]
        .into_iter()
        .flatten()
        {
            scope_span = Span::new(scope_span.start.min(s.start), scope_span.end.max(s.end));
        }
        let claims = a
            .claims
            .iter()
            .filter_map(|c| {
                let condition = match &c.condition {
                    syn::ConditionSyntax::Enforcement(l) => Condition::Enforcement(*l),
                    syn::ConditionSyntax::FactorsWithin(e) => {
                        Condition::FactorsWithin(self.claim_set(e)?)
                    }
                    syn::ConditionSyntax::FactorsInclude(e) => {
                        Condition::FactorsInclude(self.claim_set(e)?)
                    }
                    syn::ConditionSyntax::FactorsNone => Condition::FactorsNone,
                    syn::ConditionSyntax::RememberNever => Condition::RememberNever,
                    syn::ConditionSyntax::Recovery => Condition::Recovery,
                    syn::ConditionSyntax::Exempt => Condition::Exempt,
                    syn::ConditionSyntax::Assurance(a) => Condition::Assurance(*a),
                };
                Some(At {
                    value: Property {
                        scope: scope.clone(),
                        app: a.app.as_ref().map(|x| x.value.clone()),
                        from,
                        until,
                        always: c.always,
                        condition,
                    },
                    span: c.span,
                })
            })
            .collect();
        Assertion {
            name: a.name.value.clone(),
            span: a.span,
            scope_span,
            claims,
        }
    }

    /// A factor set in an assertion, where `backup_code` may be named: a
    /// condition can speak of the recovery factor.
    pub(super) fn claim_set(&mut self, expr: &syn::FactorExpr) -> Option<FactorSet> {
        let (recovery, names): (Vec<_>, Vec<_>) = expr
            .names
            .iter()
            .cloned()
            .partition(|n| n.value == Factor::BackupCode.name());
        let rest = syn::FactorExpr {
            names,
            span: expr.span,
        };
        let set = self.factor_set(&rest)?;
        Some(if recovery.is_empty() {
            set
        } else {
            set.with(Factor::BackupCode)
        })
    }
}
