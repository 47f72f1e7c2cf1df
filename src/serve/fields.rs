//! Which of the page's settings the config refuses, key by key. [`from_settings`] names the
//! first problem only; to name them all, each problem is pinned on the key whose default (or
//! absence) makes it go away, that key is set so, and the rest checked again. The page marks
//! each key's control and names them all in one notice (protocol.md, `error.fields`).

use serde_json::{Value, json};

use super::settings::{default_settings, from_settings, hello};

/// More than a page has keys: the loop ends even if a key's default were refused too.
const MAX_FIELDS: usize = 40;

/// A refused key: `section.key` (`seed` at the top level; "" when no single key is to blame)
/// and the message the config gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

/// Every key of `settings` the config refuses; empty when the settings are accepted.
pub fn field_errors(settings: &Value, csv_name: Option<&str>) -> Vec<FieldError> {
    let refused = |s: &Value| from_settings(s, csv_name).err().map(|e| format!("{e:#}"));
    let choices = hello();
    let mut s = settings.clone();
    let mut out = Vec::new();
    while out.len() < MAX_FIELDS {
        let Some(message) = refused(&s) else { break };
        let blamed = candidates(&s, &message).into_iter().find_map(|path| {
            replacements(&s, &path, &choices)
                .into_iter()
                .find(|t| refused(t).as_ref() != Some(&message))
                .map(|t| (path, t))
        });
        match blamed {
            Some((key, fixed)) => {
                out.push(FieldError { key, message });
                s = fixed;
            }
            None => {
                out.push(FieldError {
                    key: String::new(),
                    message,
                });
                break;
            }
        }
    }
    out
}

/// The keys to try, `section.key`: those the message names first (in its order), then the
/// others, the choices that decide which keys apply (kind, activation, optimizer) last.
fn candidates(s: &Value, message: &str) -> Vec<String> {
    let mut keys: Vec<(String, &str)> = Vec::new();
    if let Value::Object(top) = s {
        for (name, v) in top {
            match v {
                Value::Object(section) => {
                    keys.extend(section.keys().map(|k| (format!("{name}.{k}"), k.as_str())))
                }
                _ => keys.push((name.clone(), name.as_str())),
            }
        }
    }
    let deciding = |k: &str| matches!(k, "kind" | "activation" | "optimizer");
    let mut named: Vec<(usize, String)> = keys
        .iter()
        .filter_map(|(path, k)| word_at(message, k).map(|i| (i, path.clone())))
        .collect();
    named.sort();
    let mut out: Vec<String> = named.into_iter().map(|(_, p)| p).collect();
    let (last, rest): (Vec<_>, Vec<_>) = keys
        .into_iter()
        .filter(|(p, _)| !out.contains(p))
        .partition(|(_, k)| deciding(k));
    out.extend(rest.into_iter().chain(last).map(|(p, _)| p));
    out
}

/// Where `word` first stands in `text` as a whole word (`_` and letters do not end one).
fn word_at(text: &str, word: &str) -> Option<usize> {
    let inside = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(inside) && !after.is_some_and(inside)
    })
}

/// `s` with the key at `path` at its default, then without it (what is tried, in order).
fn replacements(s: &Value, path: &str, choices: &Value) -> Vec<Value> {
    let (section, key) = path.split_once('.').unwrap_or(("", path));
    let mut out = Vec::new();
    if let Some(d) = default_of(s, section, key, choices) {
        let mut t = s.clone();
        let slot = if section.is_empty() {
            &mut t[key]
        } else {
            &mut t[section][key]
        };
        if *slot != d {
            *slot = d;
            out.push(t);
        }
    }
    let mut t = s.clone();
    let table = if section.is_empty() {
        t.as_object_mut()
    } else {
        t[section].as_object_mut()
    };
    if let Some(table) = table {
        table.remove(key);
        out.push(t);
    }
    out
}

/// A key's default where `s` stands: the data kind's, the activation's or the optimizer's own
/// (`hello`'s), else the page's first run's; None for a key that applies to some choices only.
fn default_of(s: &Value, section: &str, key: &str, choices: &Value) -> Option<Value> {
    let (group, choice) = match section {
        "data" => ("kinds", "kind"),
        "model" => ("activations", "activation"),
        "train" => ("optimizers", "optimizer"),
        _ => ("", ""),
    };
    if !group.is_empty() {
        let own = s[section][choice]
            .as_str()
            .and_then(|name| choices[group][name]["defaults"].get(key));
        if let Some(v) = own {
            return Some(v.clone());
        }
        let some_choices_only = choices[group].as_object().is_some_and(|all| {
            all.values().any(|c| {
                c["keys"]
                    .as_array()
                    .is_some_and(|k| k.contains(&json!(key)))
            })
        });
        if some_choices_only {
            return None;
        }
    }
    let base = default_settings();
    let v = if section.is_empty() {
        &base[key]
    } else {
        &base[section][key]
    };
    (!v.is_null()).then(|| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.key.as_str()).collect()
    }

    #[test]
    fn accepted_settings_have_no_field_errors() {
        assert_eq!(field_errors(&default_settings(), None), vec![]);
    }

    #[test]
    fn every_bad_key_is_named_with_the_config_files_message() {
        let mut s = default_settings();
        s["train"]["learning_rate"] = json!(-1);
        s["train"]["batch_size"] = json!(-5);
        s["data"]["noise"] = json!(-0.5);
        s["seed"] = json!("abc");
        let errors = field_errors(&s, None);
        let mut named = keys(&errors);
        named.sort();
        assert_eq!(
            named,
            [
                "data.noise",
                "seed",
                "train.batch_size",
                "train.learning_rate"
            ]
        );
        let lr = errors
            .iter()
            .find(|e| e.key == "train.learning_rate")
            .unwrap();
        assert_eq!(
            lr.message,
            "[train] learning_rate must be a positive finite number, got -1"
        );
    }

    #[test]
    fn keys_that_do_not_fit_a_choice_are_named_not_the_choice() {
        let mut s = default_settings();
        s["data"]["factor"] = json!(0.5); // moons has no factor
        s["train"]["beta_1"] = json!(0.9); // sgd has no beta_1
        s["model"]["hidden"] = json!([16, 9999]);
        let errors = field_errors(&s, None);
        let mut named = keys(&errors);
        named.sort();
        assert_eq!(named, ["data.factor", "model.hidden", "train.beta_1"]);
        // A value no kind has: the kind is to blame.
        let mut s = default_settings();
        s["data"]["kind"] = json!("nosuch");
        assert_eq!(keys(&field_errors(&s, None)), ["data.kind"]);
    }

    #[test]
    fn a_problem_of_the_whole_is_named_without_a_key() {
        let errors = field_errors(&json!([1, 2]), None);
        assert_eq!(keys(&errors), [""]);
        assert_eq!(errors[0].message, "settings must be an object");
    }

    #[test]
    fn words_are_found_whole() {
        assert_eq!(
            word_at("[train] learning_rate must", "learning_rate"),
            Some(8)
        );
        assert_eq!(word_at("beta_1 and beta_12", "beta_12"), Some(11));
        assert_eq!(word_at("momentum_x", "momentum"), None);
        assert_eq!(word_at("[model] hidden[0] is 0", "hidden"), Some(8));
    }
}
