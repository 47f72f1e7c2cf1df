//! CSV data on the command line: a bad file is exit status 2 with one `error:` line naming the
//! file, row and column; a healthy one trains.

mod common;

use common::cli::{CSV, Dir, assert_bad_input, assert_clean, stderr};

#[test]
fn csv_errors_name_the_file_row_and_column() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["is empty", "expected a header row"]),
        ("x1,x2,label\n", &["has a header but no data rows"]),
        (
            "x1,x2,label\n1,2,0\n3,4\n",
            &["line 3", "expected 3 columns", "found 2"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,abc,1\n",
            &["line 3, column 2 (`x2`)", "`abc` is not a number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,NaN,1\n",
            &["line 3, column 2", "`NaN` is not a finite number"],
        ),
        (
            "x1,x2,label\n1,2,0\ninf,4,1\n",
            &["line 3, column 1", "`inf` is not a finite number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,-1\n",
            &["line 3, column 3 (`label`)", "`-1` is negative"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,1.5\n",
            &["line 3, column 3", "`1.5` is not a whole number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,99999999999\n",
            &["line 3, column 3", "is too large"],
        ),
        (
            "x1,x2,label\n1,2,1\n3,4,1\n",
            &["holds only class 1", "at least 2 classes"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,3\n5,6,1\n",
            &["labels run from 0 to 3", "class 2 has no row"],
        ),
        (
            "x1,x2,y\n1,2,0\n",
            &["line 1", "the last column is `y`", "must be `label`"],
        ),
    ];
    for (text, phrases) in cases {
        let dir = Dir::new();
        let csv = dir.write("d.csv", text);
        let out = dir.compare_tiny(CSV);
        let mut all = vec![csv.display().to_string()];
        all.extend(phrases.iter().map(|p| p.to_string()));
        assert_bad_input(&out, &all.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

#[test]
fn csv_healthy_file_trains() {
    let dir = Dir::new();
    dir.write(
        "d.csv",
        "x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n0.5,0.2,0\n",
    );
    let out = dir.compare_tiny(CSV);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out);
}
