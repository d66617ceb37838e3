//! Parameter migrations: what a plugin changed about its parameters after a version, so that
//! saved states and presets written before still load as they sounded.
//!
//! A parameter's id is what sessions and automation store, so ids are not renamed lightly;
//! when one has to be (or a new parameter would change the sound of old settings at its
//! default), the plugin lists the change here with the first version that has it. Anything
//! written by an older version gets the change on load: `Plugin::filter_state` for saved
//! states, `resolve` for preset files. Written by that version or later: untouched.

use nice_plug::plugin::{ParamValue, PluginState};

/// One change to a plugin's parameters, made in version `since`.
#[derive(Debug, Clone, Copy)]
pub enum Migration {
    /// The parameter `from` is called `to` from `since` on; its value carries over.
    Renamed {
        since: &'static str,
        from: &'static str,
        to: &'static str,
    },
    /// The parameter `id` was added in `since`; settings from before get `value` (what the
    /// plugin did before it existed) rather than its default.
    Added {
        since: &'static str,
        id: &'static str,
        value: Old,
    },
}

/// The value an added parameter takes in older settings (a `const`-friendly `ParamValue`).
#[derive(Debug, Clone, Copy)]
pub enum Old {
    F32(f32),
    I32(i32),
    Bool(bool),
    /// An enum variant by its stable id.
    Id(&'static str),
}

impl Old {
    pub fn value(self) -> ParamValue {
        match self {
            Self::F32(v) => ParamValue::F32(v),
            Self::I32(v) => ParamValue::I32(v),
            Self::Bool(v) => ParamValue::Bool(v),
            Self::Id(id) => ParamValue::String(id.to_owned()),
        }
    }
}

/// `a < b` for versions "major.minor.patch"; an empty or unreadable version is the oldest.
pub fn older(a: &str, b: &str) -> bool {
    fn parts(v: &str) -> Option<[u64; 3]> {
        let mut out = [0; 3];
        let mut it = v.trim().split(['.', '-', '+']);
        for slot in &mut out {
            *slot = match it.next() {
                Some(p) => p.parse().ok()?,
                None => 0,
            };
        }
        Some(out)
    }
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => a < b,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// The id a parameter written by `version` as `id` has now.
pub fn current_id<'a>(id: &'a str, version: &str, migrations: &'a [Migration]) -> &'a str {
    let mut id = id;
    for m in migrations {
        if let Migration::Renamed { since, from, to } = m
            && *from == id
            && older(version, since)
        {
            id = to;
        }
    }
    id
}

/// The added parameters settings written by `version` lack, with the value they stand for.
pub fn added_since<'a>(
    version: &'a str,
    migrations: &'a [Migration],
) -> impl Iterator<Item = (&'static str, ParamValue)> + 'a {
    migrations.iter().filter_map(move |m| match m {
        Migration::Added { since, id, value } if older(version, since) => {
            Some((*id, value.value()))
        }
        _ => None,
    })
}

/// Brings a saved state up to date (`Plugin::filter_state`). The state keeps its version; the
/// wrapper loads it right after this.
pub fn migrate_state(state: &mut PluginState, migrations: &[Migration]) {
    if migrations.is_empty() {
        return;
    }
    let params = std::mem::take(&mut state.params);
    for (id, value) in params {
        let id = current_id(&id, &state.version, migrations).to_owned();
        state.params.insert(id, value);
    }
    for (id, value) in added_since(&state.version, migrations) {
        state.params.entry(id.to_owned()).or_insert(value);
    }
}
