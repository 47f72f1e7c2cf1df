//! The house's rules, checked: no import cycle between files of src/ and the twins out of each
//! other's math (scripts/import_cycles.py, which must also catch a cycle it is shown), and no
//! file of src/ over 600 lines.

mod common;

use std::path::Path;
use std::process::Command;

fn import_cycles(src: &Path) -> (Option<i32>, String) {
    let out = Command::new("python3")
        .arg(common::repo("scripts/import_cycles.py"))
        .arg(src)
        .output()
        .expect("python3 runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn src_has_no_import_cycle() {
    let (code, out) = import_cycles(&common::repo("src"));
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn the_script_finds_a_cycle_and_a_twin_reaching_into_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("manual")).unwrap();
    let files = [
        (
            "lib.rs",
            "pub mod a;\npub mod b;\npub mod burn_mlp;\npub mod manual;\n",
        ),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "b.rs",
            "pub struct B;\nfn f() -> crate::a::A { crate::a::A }\n",
        ),
        ("burn_mlp.rs", "pub fn forward() {}\n"),
        ("manual/mod.rs", "mod linear;\n"),
        (
            "manual/linear.rs",
            "fn f() { crate::burn_mlp::forward() }\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(src.join(name), text).unwrap();
    }
    let (code, out) = import_cycles(src);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("import cycle: a.rs -> b.rs , b.rs -> a.rs"),
        "{out}"
    );
    assert!(
        out.contains("forbidden: manual/linear.rs -> burn_mlp.rs"),
        "{out}"
    );
}

#[test]
fn no_file_of_src_is_over_600_lines() {
    fn walk(dir: &Path, long: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, long);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "js") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                if lines > 600 {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
    }
    let mut long = Vec::new();
    walk(&common::repo("src"), &mut long);
    assert!(long.is_empty(), "{long:?}");
}
