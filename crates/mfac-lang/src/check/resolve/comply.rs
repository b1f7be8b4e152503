//! `comply` lines: a built-in profile by name, with its parameters.

use super::*;
use crate::profiles::{Applied, Params};

impl Resolver {
    /// The profile a `comply` line (or `--profile`) applies; `None`, and an
    /// error, when mfac has no such profile or it does not take a
    /// parameter given.
    pub(crate) fn comply(&mut self, c: &syn::ComplyDecl) -> Option<Applied> {
        let Some(profile) = crate::profiles::find(&c.name.value) else {
            self.errors.push(
                Diagnostic::new(
                    &codes::BAD_PROFILE,
                    c.name.span,
                    format!("there is no compliance profile `{}`", c.name.value),
                )
                .label("unknown profile")
                .help(format!("the profiles are {}", crate::profiles::names())),
            );
            return None;
        };
        let takes = |word: &str| profile.parameters.contains(word);
        let mut wrong = |what: &str, span: Span| {
            self.errors.push(
                Diagnostic::new(
                    &codes::BAD_PROFILE,
                    span,
                    format!("profile `{}` takes no `{what}`", profile.name),
                )
                .label("not a parameter of this profile")
                .help(if profile.parameters.is_empty() {
                    format!("`{}` takes no parameters", profile.name)
                } else {
                    format!("`{}` takes {}", profile.name, profile.parameters)
                }),
            );
        };
        if let Some(first) = c.cde.first().filter(|_| !takes("cde")) {
            wrong("cde", first.span);
            return None;
        }
        if let Some((_, first)) = c.aal.first().filter(|_| !takes("aal2")) {
            wrong("aal2` or `aal3", first.span);
            return None;
        }
        let mut params = Params {
            cde: c.cde.iter().map(|a| a.value.clone()).collect(),
            ..Params::default()
        };
        for (level, scope) in &c.aal {
            let s = prove_scope(&scope.value);
            if *level == 3 {
                params.aal3.push(s);
            } else {
                params.aal2.push(s);
            }
        }
        Some(Applied { profile, params })
    }
}

/// An assertion's scope as the engine takes it.
pub(crate) fn prove_scope(s: &syn::ScopeSyntax) -> mfac_prove::Scope {
    use mfac_prove::Scope;
    match s {
        syn::ScopeSyntax::Everyone => Scope::Everyone,
        syn::ScopeSyntax::Privileged => Scope::Privileged,
        syn::ScopeSyntax::BreakGlass => Scope::BreakGlass,
        syn::ScopeSyntax::MembersOf(g) => Scope::MembersOf(g.clone()),
        syn::ScopeSyntax::User(u) => Scope::User(u.clone()),
    }
}
