//! Judging logins against a property: once per epoch, once per view base, and
//! once per pair of user and app classes where a policy allows.

use super::*;

/// The fewest groups (by index) that break a property at some login, if
/// any do.
pub(crate) type Witness = Option<Vec<usize>>;

/// One login of a proof: an epoch, a user class and an app class (each by
/// index, with its name), whether the user is exempt and alone in scope.
pub(crate) struct Login<'a> {
    pub(crate) epoch: usize,
    pub(crate) user: (usize, Option<&'a str>),
    pub(crate) app: (usize, Option<&'a str>),
    pub(crate) exempt: bool,
    pub(crate) inside: bool,
}

/// What one proof has judged: the logins (epoch, user, app, exempt); for
/// each view that judges the states of a search alike (the same search,
/// the same base, the same exemption and scope), the fewest groups that
/// break the property; and, where users and apps are separable, the same
/// per pair of classes.
pub(crate) struct Judged {
    logins: rustc_hash::FxHashSet<(usize, usize, usize, bool)>,
    /// By the search's number, the base, exempt and the user in the scope.
    views: FxHashMap<(usize, Summary, bool, bool), Witness>,
    /// Where [`Policy::separable`] holds.
    classes: Option<Classes>,
}

/// In a policy where what applies to a user and what applies in an app
/// never depend on each other ([`Policy::separable`]), the base of a view
/// is the join of the user's alone and the app's alone; users (and apps)
/// whose own bases are equal are one class, and a login is judged once
/// per pair of classes instead of once per user and app.
#[derive(Default)]
pub(crate) struct Classes {
    /// (epoch, user index) and (epoch, app index) to a class.
    users: FxHashMap<(usize, usize), usize>,
    apps: FxHashMap<(usize, usize), usize>,
    /// Each distinct base met, numbered.
    bases: FxHashMap<Summary, usize>,
    /// (epoch, user class, app class, exempt, in scope) to the fewest
    /// groups that break the property.
    pairs: FxHashMap<(usize, usize, usize, bool, bool), Witness>,
}

impl Classes {
    /// The class of a base: its number among the bases met.
    fn of(&mut self, view: &View<'_>) -> usize {
        let next = self.bases.len();
        *self.bases.entry(view.base().clone()).or_insert(next)
    }
}

impl Judged {
    /// Is this the first time the login (epoch, user, app, exempt) comes?
    pub(crate) fn first_time(&mut self, login: (usize, usize, usize, bool)) -> bool {
        self.logins.insert(login)
    }

    pub(crate) fn new(policy: &Policy) -> Judged {
        Judged {
            logins: rustc_hash::FxHashSet::default(),
            views: FxHashMap::default(),
            classes: policy.separable().then(Classes::default),
        }
    }

    /// The fewest groups (by index) with which `login` breaks `p`, if any.
    pub(crate) fn breaks(
        &mut self,
        policy: &Policy,
        p: &Property,
        fields: Fields,
        space: &Space,
        searches: &mut Searches,
        login: &Login<'_>,
    ) -> Result<Witness, Unjudgeable> {
        let Login {
            epoch,
            user: (ui, user),
            app: (ai, app),
            exempt,
            inside,
        } = *login;
        let pair = match &mut self.classes {
            Some(c) => {
                let u = match c.users.get(&(epoch, ui)) {
                    Some(&u) => u,
                    None => {
                        let u = c.of(&view_in(policy, epoch, user, None, fields, space));
                        c.users.insert((epoch, ui), u);
                        u
                    }
                };
                let a = match c.apps.get(&(epoch, ai)) {
                    Some(&a) => a,
                    None => {
                        let a = c.of(&view_in(policy, epoch, None, app, fields, space));
                        c.apps.insert((epoch, ai), a);
                        a
                    }
                };
                let key = (epoch, u, a, exempt, inside);
                if let Some(found) = c.pairs.get(&key) {
                    return Ok(found.clone());
                }
                Some(key)
            }
            None => None,
        };
        let view = view_in(policy, epoch, user, app, fields, space);
        let Some((search, states)) = searches.numbered(&view, space) else {
            return Err(Unjudgeable::TooLarge);
        };
        let found = self
            .views
            .entry((search, view.base().clone(), exempt, inside))
            .or_insert_with(|| {
                let first = first_breaking(&view, states, p, exempt, inside);
                first
                    .and_then(|i| states.get(i))
                    .map(|(_, witness)| witness.clone())
            })
            .clone();
        if let (Some(key), Some(c)) = (pair, &mut self.classes) {
            c.pairs.insert(key, found.clone());
        }
        Ok(found)
    }
}

/// The first of `states` (fewest groups first) that breaks `p` in `view`,
/// with its groups in the scope or the user alone in it.
pub(crate) fn first_breaking(
    view: &View<'_>,
    states: &[Reached],
    p: &Property,
    exempt: bool,
    user_inside: bool,
) -> Option<usize> {
    states.iter().position(|((s, inside), _)| {
        (*inside || user_inside) && p.condition.holds(&view.effective(s), exempt) != p.always
    })
}
