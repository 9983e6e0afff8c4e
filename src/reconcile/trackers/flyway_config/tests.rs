//! Tests of the Flyway configuration loader.

use super::*;

fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// `flyway.outOfOrder=${OOO}` is Flyway's environment placeholder, not a malformed value.
#[test]
fn environment_placeholders_are_substituted_and_an_unset_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flyway.conf"),
        "flyway.outOfOrder=${OOO}\nflyway.ignoreMigrationPatterns=${env.PATTERNS},*:future\n",
    )
    .unwrap();
    let dirs = [dir.path().to_path_buf()];
    let vars = env(&[("OOO", "true"), ("PATTERNS", "*:missing")]);
    let config = FlywayConfig::load_from(&dirs, vars).unwrap();
    assert!(config.out_of_order().is_some());
    assert_eq!(config.ignoring(true, "missing").unwrap().0, "*:missing");
    assert_eq!(config.ignoring(true, "future").unwrap().0, "*:future");
    let err = FlywayConfig::load_from(&dirs, env(&[("PATTERNS", "*:missing")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 1: flyway.outOfOrder: `${OOO}` names the environment variable OOO, which is not set"),
        "{err}"
    );
    std::fs::write(dir.path().join("flyway.conf"), "").unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\noutOfOrder = \"${env.OOO}\"\nignoreMigrationPatterns = [\"${PATTERNS}\"]\n",
    )
    .unwrap();
    let vars = env(&[("OOO", "true"), ("PATTERNS", "*:ignored")]);
    let config = FlywayConfig::load_from(&dirs, vars).unwrap();
    assert!(config.out_of_order().is_some());
    assert_eq!(config.ignoring(true, "ignored").unwrap().0, "*:ignored");
}

#[test]
fn conf_toml_and_environment_are_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flyway.conf"),
        "# comment\n! other comment\nflyway.url=jdbc:x\nflyway.outOfOrder = TRUE\nflyway.ignoreMigrationPatterns=*:missing, versioned:ignored\n",
    )
    .unwrap();
    let dirs = [dir.path().to_path_buf()];
    let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
    assert!(config
        .out_of_order()
        .unwrap()
        .starts_with("flyway.outOfOrder in "));
    assert_eq!(config.ignoring(true, "missing").unwrap().0, "*:missing");
    assert_eq!(
        config.ignoring(true, "ignored").unwrap().0,
        "versioned:ignored"
    );
    assert_eq!(config.ignoring(false, "ignored"), None);
    // Patterns set replace the default `*:future`.
    assert_eq!(config.ignoring(true, "future"), None);

    let config = FlywayConfig::load_from(
        &dirs,
        env(&[
            ("FLYWAY_OUT_OF_ORDER", "false"),
            ("FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:future"),
        ]),
    )
    .unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(
        config.ignoring(true, "future"),
        Some(("*:future", Some("FLYWAY_IGNORE_MIGRATION_PATTERNS")))
    );
    assert_eq!(config.ignoring(true, "missing"), None);

    std::fs::remove_file(dir.path().join("flyway.conf")).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\noutOfOrder = true\nignoreMigrationPatterns = [\"*:Ignored\"]\n",
    )
    .unwrap();
    let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
    assert!(config.out_of_order().unwrap().starts_with("outOfOrder in "));
    assert_eq!(config.ignoring(false, "ignored").unwrap().0, "*:Ignored");
    // Nothing configured: Flyway's default.
    let config = FlywayConfig::load_from(&[], env(&[])).unwrap();
    assert_eq!(config.ignoring(true, "future"), Some(("*:future", None)));
    assert_eq!(config.ignoring(true, "missing"), None);
}

#[test]
fn the_history_schema_is_default_schema_else_the_first_of_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = [dir.path().to_path_buf()];
    let schema = |config: &FlywayConfig| {
        config
            .history_schema()
            .map(|s| (s.value.clone(), s.source.clone()))
    };
    assert_eq!(
        schema(&FlywayConfig::load_from(&dirs, env(&[])).unwrap()),
        None
    );
    std::fs::write(
        dir.path().join("flyway.conf"),
        "flyway.schemas= app , other
",
    )
    .unwrap();
    let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
    let (value, source) = schema(&config).unwrap();
    assert_eq!(value, "app");
    assert!(source.starts_with("flyway.schemas in "), "{source}");
    let config =
        FlywayConfig::load_from(&dirs, env(&[("FLYWAY_DEFAULT_SCHEMA", "tools")])).unwrap();
    assert_eq!(
        schema(&config),
        Some(("tools".into(), "FLYWAY_DEFAULT_SCHEMA".into()))
    );
    std::fs::remove_file(dir.path().join("flyway.conf")).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\ndefaultSchema = \"main\"\n\n[environments.default]\nschemas = [\"first\", \"second\"]\n",
    )
    .unwrap();
    let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
    assert_eq!(schema(&config).unwrap().0, "main");
    assert_eq!(config.first_schema.unwrap().value, "first");
    assert_eq!(config.table, None);
    let config = FlywayConfig::load_from(&dirs, env(&[("FLYWAY_TABLE", "History")])).unwrap();
    assert_eq!(config.table.unwrap().value, "History");
}

#[test]
fn a_malformed_value_is_a_one_line_error_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = [dir.path().to_path_buf()];
    let conf = dir.path().join("flyway.conf");
    std::fs::write(&conf, "flyway.outOfOrder=yes\n").unwrap();
    let err = FlywayConfig::load_from(&dirs, env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("flyway.conf")
            && err.contains("line 1: flyway.outOfOrder: `yes` is not true or false"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    std::fs::write(&conf, "flyway.ignoreMigrationPatterns=*:gone\n").unwrap();
    let err = FlywayConfig::load_from(&dirs, env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("flyway.ignoreMigrationPatterns: `*:gone` is not a pattern"),
        "{err}"
    );

    std::fs::remove_file(&conf).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\n\noutOfOrder = 1\n",
    )
    .unwrap();
    let err = FlywayConfig::load_from(&dirs, env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("flyway.toml") && err.contains("line 3: [flyway] outOfOrder"),
        "{err}"
    );

    let err = FlywayConfig::load_from(&[], env(&[("FLYWAY_IGNORE_MIGRATION_PATTERNS", "missing")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("FLYWAY_IGNORE_MIGRATION_PATTERNS: `missing` is not a pattern"),
        "{err}"
    );
}

/// Writes `dir/name`, creating `dir`.
fn put(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A home directory and a project directory under one temporary directory, and an
/// environment whose `HOME` is that home plus `pairs`.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let project = root.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    (root, home, project)
}

fn vars(home: &Path, pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let mut all: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push(("HOME".into(), home.display().to_string()));
    move |name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Flyway uses its TOML configuration when a default TOML file exists, and then does not
/// read flyway.conf at all (`ConfigurationManagerImpl.useModernConfig`): the conf's
/// `outOfOrder` does not count, even where the TOML file does not set it.
#[test]
fn with_a_toml_file_present_flyway_conf_is_not_read() {
    let (_root, home, project) = setup();
    put(&project, "flyway.conf", "flyway.outOfOrder=true\n");
    let toml = put(
        &project,
        "flyway.toml",
        "[flyway]\nignoreMigrationPatterns = [\"*:missing\"]\n",
    );
    let dirs = [project.clone()];
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(
        config.ignoring(true, "missing"),
        Some((
            "*:missing",
            Some(format!("ignoreMigrationPatterns in {}", toml.display()).as_str())
        ))
    );
    // A TOML file in the home directory decides it as well.
    std::fs::remove_file(&toml).unwrap();
    put(&home, "flyway.toml", "[flyway]\n");
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(config.out_of_order(), None);
    std::fs::remove_file(home.join("flyway.toml")).unwrap();
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert!(config.out_of_order().is_some());
}

/// `~/flyway.toml`, `~/flyway.user.toml`, `./flyway.toml`, `./flyway.user.toml` in that
/// order, a later one winning key by key; `~/flyway.conf` before `./flyway.conf`. `~` is
/// `$HOME`.
#[test]
fn the_home_directory_and_user_files_are_read_in_flyways_order() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let home_toml = put(
        &home,
        "flyway.toml",
        "[flyway]\noutOfOrder = true\nignoreMigrationPatterns = \"*:missing\"\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(
        config.out_of_order(),
        Some(format!("outOfOrder in {}", home_toml.display()).as_str())
    );
    put(&project, "flyway.toml", "[flyway]\noutOfOrder = false\n");
    let user = put(
        &project,
        "flyway.user.toml",
        "[flyway]\nignoreMigrationPatterns = [\"*:ignored\"]\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(config.ignoring(true, "missing"), None);
    assert_eq!(
        config.ignoring(true, "ignored").unwrap().1,
        Some(format!("ignoreMigrationPatterns in {}", user.display()).as_str())
    );
    // Without HOME, no home directory is read.
    let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
    assert_eq!(config.ignoring(true, "missing"), None);

    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let home_conf = put(&home, "flyway.conf", "flyway.outOfOrder=true\n");
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(
        config.out_of_order(),
        Some(format!("flyway.outOfOrder in {}", home_conf.display()).as_str())
    );
    put(&project, "flyway.conf", "flyway.outOfOrder=false\n");
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(config.out_of_order(), None);
}

/// `FLYWAY_CONFIG_FILES` adds files after the default ones; its `.toml` entries select the
/// TOML configuration, a missing `.conf` entry and both kinds at once are errors, as in
/// Flyway.
#[test]
fn flyway_config_files_are_read_after_the_defaults() {
    let (root, home, project) = setup();
    let dirs = [project.clone()];
    put(&project, "flyway.conf", "flyway.outOfOrder=true\n");
    let extra = put(
        root.path(),
        "ci.conf",
        "flyway.outOfOrder=false\nflyway.ignoreMigrationPatterns=*:pending\n",
    );
    let listed = format!(" {} ", extra.display());
    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)])).unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(config.ignoring(true, "pending").unwrap().0, "*:pending");

    let gone = root.path().join("gone.conf");
    let listed = format!("{},{}", extra.display(), gone.display());
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("FLYWAY_CONFIG_FILES: ")
            && err.contains("gone.conf is not a file; Flyway stops"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    let toml = put(root.path(), "ci.toml", "[flyway]\noutOfOrder = true\n");
    let listed = format!("{},{}", extra.display(), toml.display());
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Using both TOML configuration and CONF configuration is not supported"),
        "{err}"
    );

    // A listed TOML file selects the TOML configuration: flyway.conf is not read.
    put(
        &project,
        "flyway.conf",
        "flyway.ignoreMigrationPatterns=*:missing\n",
    );
    let listed = toml.display().to_string();
    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)])).unwrap();
    assert_eq!(
        config.out_of_order(),
        Some(format!("outOfOrder in {}", toml.display()).as_str())
    );
    assert_eq!(config.ignoring(true, "missing"), None);
}

/// A `\` at the end of a line continues the value on the next line, whose leading blanks
/// are dropped; before a new `flyway.…=` property, an empty line, in a comment or at the end
/// of the file it is a literal backslash (`ConfigUtils.loadConfigurationFromString`).
#[test]
fn conf_values_continue_over_lines_as_flyway_reads_them() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    put(
        &project,
        "flyway.conf",
        "# patterns \\\nflyway.outOfOrder=true\nflyway.ignoreMigrationPatterns = *:missing, \\\n      *:ignored,\\\n\t*:pending\nflyway.url=jdbc:x\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert!(config.out_of_order().is_some());
    for state in ["missing", "ignored", "pending"] {
        assert!(config.ignoring(true, state).is_some(), "{state}");
    }

    // Before a new property the backslash stays in the value, which Flyway then rejects.
    put(
        &project,
        "flyway.conf",
        "\nflyway.ignoreMigrationPatterns=*:missing,\\\nflyway.outOfOrder=true\n",
    );
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2: flyway.ignoreMigrationPatterns: `\\` is not a pattern"),
        "{err}"
    );
    // The first line of a continued property is the one errors name.
    put(&project, "flyway.conf", "flyway.outOfOrder=\\\n  maybe\n");
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 1: flyway.outOfOrder: `maybe` is not true or false"),
        "{err}"
    );
}

/// `[environments.NAME.flyway]` values of the selected environment (`[flyway] environment`
/// or `flyway_environment`, else `default`) win over `[flyway]` and the `FLYWAY_…`
/// variables; another environment's values, even malformed ones, do not count.
#[test]
fn the_selected_environments_own_values_win() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let toml = put(
        &project,
        "flyway.toml",
        "[flyway]\noutOfOrder = true\n\n[environments.default.flyway]\noutOfOrder = false\n\n[environments.prod.flyway]\nignoreMigrationPatterns = [\"*:missing\"]\n\n[environments.broken.flyway]\nignoreMigrationPatterns = [\"*:gone\"]\n",
    );
    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_OUT_OF_ORDER", "true")])).unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(
        config.out_of_order.as_ref().unwrap().source,
        format!(
            "environments.default.flyway.outOfOrder in {}",
            toml.display()
        )
    );
    assert_eq!(config.ignoring(true, "missing"), None);

    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "prod")])).unwrap();
    assert!(config.out_of_order().is_some());
    assert_eq!(
        config.ignoring(true, "missing").unwrap().1,
        Some(
            format!(
                "environments.prod.flyway.ignoreMigrationPatterns in {}",
                toml.display()
            )
            .as_str()
        )
    );
    // An environment variable for the environment's own value wins over the file.
    let config = FlywayConfig::load_from(
        &dirs,
        vars(
            &home,
            &[
                ("flyway_environment", "prod"),
                (
                    "environments_prod_flyway_ignoreMigrationPatterns",
                    "*:ignored",
                ),
            ],
        ),
    )
    .unwrap();
    assert_eq!(config.ignoring(true, "missing"), None);
    assert!(config.ignoring(true, "ignored").is_some());

    let err = FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "broken")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 11: [environments.broken.flyway] ignoreMigrationPatterns: `*:gone` is not a pattern"),
        "{err}"
    );

    // `[flyway] environment` selects it too; one with no table that a variable creates
    // (`FLYWAY_URL` is merged into the selected environment) leaves `[flyway]`.
    put(
        &project,
        "flyway.user.toml",
        "[flyway]\nenvironment = \"staging\"\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_URL", "jdbc:x")])).unwrap();
    assert!(config.out_of_order().is_some());
}

/// With the TOML configuration, `flyway_outOfOrder` is read too and wins over
/// `FLYWAY_OUT_OF_ORDER`; with flyway.conf only the `FLYWAY_…` spelling is read.
#[test]
fn toml_style_variables_count_only_for_the_toml_configuration() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let both = [
        ("FLYWAY_OUT_OF_ORDER", "true"),
        ("flyway_outOfOrder", "false"),
        ("flyway_ignoreMigrationPatterns", "*:missing"),
    ];
    put(&project, "flyway.toml", "[flyway]\n");
    let config = FlywayConfig::load_from(&dirs, vars(&home, &both)).unwrap();
    assert_eq!(config.out_of_order(), None);
    assert_eq!(
        config.ignoring(true, "missing"),
        Some(("*:missing", Some("flyway_ignoreMigrationPatterns")))
    );
    std::fs::remove_file(project.join("flyway.toml")).unwrap();
    put(&project, "flyway.conf", "\n");
    let config = FlywayConfig::load_from(&dirs, vars(&home, &both)).unwrap();
    assert_eq!(config.out_of_order(), Some("FLYWAY_OUT_OF_ORDER"));
    assert_eq!(config.ignoring(true, "missing"), None);
}

/// The value and source of a string setting, for comparing.
fn pair(setting: &Option<Setting<String>>) -> Option<(String, String)> {
    setting
        .as_ref()
        .map(|s| (s.value.clone(), s.source.clone()))
}

/// In TOML, `schemas` is the selected environment's (`[environments.NAME] schemas`), never
/// `[flyway] schemas`; `defaultSchema` and `table` are `[flyway]` values which the
/// environment's `[environments.NAME.flyway]` ones override; the variables take their
/// places in that order (`FLYWAY_SCHEMAS` and `flyway_schemas` over the environment's
/// `schemas`, `[environments.NAME.flyway]` over `FLYWAY_DEFAULT_SCHEMA` / `FLYWAY_TABLE`).
#[test]
fn toml_history_settings_follow_flyways_environment_model() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let toml = put(
        &project,
        "flyway.toml",
        "[flyway]\ntable = \"top_history\"\n\n[environments.default]\nurl = \"jdbc:postgresql://x/db\"\nschemas = [\"first\", \"second\"]\n\n[environments.prod]\nschemas = \"prod_schema, other\"\n\n[environments.prod.flyway]\ndefaultSchema = \"prod_default\"\ntable = \"ProdHistory\"\n\n[environments.broken]\nschemas = 1\n",
    );
    let at = |key: &str| format!("{key} in {}", toml.display());
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(
        pair(&config.first_schema),
        Some(("first".into(), at("environments.default.schemas")))
    );
    assert_eq!(config.default_schema, None);
    assert_eq!(config.history_schema().unwrap().value, "first");
    assert_eq!(
        pair(&config.table),
        Some(("top_history".into(), at("table")))
    );

    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "prod")])).unwrap();
    assert_eq!(
        pair(&config.default_schema),
        Some((
            "prod_default".into(),
            at("environments.prod.flyway.defaultSchema")
        ))
    );
    assert_eq!(config.first_schema.as_ref().unwrap().value, "prod_schema");
    assert_eq!(
        pair(&config.table),
        Some(("ProdHistory".into(), at("environments.prod.flyway.table")))
    );
    // The environment's own values win over FLYWAY_DEFAULT_SCHEMA and FLYWAY_TABLE, which
    // win over `[flyway]`; `environments_NAME_flyway_…` over the file's environment values.
    let config = FlywayConfig::load_from(
        &dirs,
        vars(
            &home,
            &[
                ("flyway_environment", "prod"),
                ("FLYWAY_DEFAULT_SCHEMA", "from_env"),
                ("FLYWAY_TABLE", "env_table"),
                ("environments_prod_flyway_table", "prod_env_table"),
            ],
        ),
    )
    .unwrap();
    assert_eq!(config.default_schema.unwrap().value, "prod_default");
    assert_eq!(
        pair(&config.table),
        Some((
            "prod_env_table".into(),
            "environments_prod_flyway_table".into()
        ))
    );
    let config = FlywayConfig::load_from(
        &dirs,
        vars(
            &home,
            &[
                ("FLYWAY_DEFAULT_SCHEMA", "from_env"),
                ("FLYWAY_TABLE", "env_table"),
                ("flyway_table", "toml_style_table"),
            ],
        ),
    )
    .unwrap();
    assert_eq!(
        pair(&config.default_schema),
        Some(("from_env".into(), "FLYWAY_DEFAULT_SCHEMA".into()))
    );
    assert_eq!(
        pair(&config.table),
        Some(("toml_style_table".into(), "flyway_table".into()))
    );

    // `schemas`: the file's environment < environments_NAME_schemas < FLYWAY_SCHEMAS <
    // flyway_schemas.
    let schema = |pairs: &[(&str, &str)]| {
        pair(
            &FlywayConfig::load_from(&dirs, vars(&home, pairs))
                .unwrap()
                .first_schema,
        )
    };
    assert_eq!(
        schema(&[("environments_default_schemas", "a,b")]),
        Some(("a".into(), "environments_default_schemas".into()))
    );
    assert_eq!(
        schema(&[
            ("environments_default_schemas", "a"),
            ("FLYWAY_SCHEMAS", " c , d")
        ]),
        Some(("c".into(), "FLYWAY_SCHEMAS".into()))
    );
    assert_eq!(
        schema(&[("FLYWAY_SCHEMAS", "c"), ("flyway_schemas", "e")]),
        Some(("e".into(), "flyway_schemas".into()))
    );
    // FLYWAY_SCHEMAS wins over the selected environment's `schemas` too.
    assert_eq!(
        schema(&[("flyway_environment", "prod"), ("FLYWAY_SCHEMAS", "c")]),
        Some(("c".into(), "FLYWAY_SCHEMAS".into()))
    );

    // An environment without `schemas` (or one only a variable creates): none.
    let config = FlywayConfig::load_from(
        &dirs,
        vars(
            &home,
            &[("flyway_environment", "staging"), ("flyway_url", "jdbc:x")],
        ),
    )
    .unwrap();
    assert_eq!(config.first_schema, None);
    assert_eq!(config.history_schema(), None);

    // A malformed `schemas` is an error only in the selected environment.
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "broken")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[environments.broken] schemas: expected a list of strings"),
        "{err}"
    );
    put(
        &project,
        "flyway.toml",
        "[flyway]\ndefaultSchema = [\"a\"]\n",
    );
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2: [flyway] defaultSchema: expected a string"),
        "{err}"
    );
}

/// `defaultSchema`, `schemas` and `table` come through the same paths as the other
/// settings: a `FLYWAY_CONFIG_FILES` file (TOML: the project's flyway.conf is then not
/// read), `~/flyway.toml`, and `.conf` values continued over lines; with flyway.conf the
/// TOML-style `flyway_…` variables are not read.
#[test]
fn history_settings_come_through_config_files_home_and_continued_lines() {
    let (root, home, project) = setup();
    let dirs = [project.clone()];
    put(
        &project,
        "flyway.conf",
        "flyway.defaultSchema=from_conf\nflyway.table=conf_table\n",
    );
    let listed = put(
        root.path(),
        "ci.toml",
        "[flyway]\ntable = \"ci_history\"\n\n[environments.default]\nschemas = [\"ci_schema\"]\n",
    );
    let config = FlywayConfig::load_from(
        &dirs,
        vars(
            &home,
            &[("FLYWAY_CONFIG_FILES", &listed.display().to_string())],
        ),
    )
    .unwrap();
    assert_eq!(config.default_schema, None);
    assert_eq!(
        pair(&config.first_schema),
        Some((
            "ci_schema".into(),
            format!("environments.default.schemas in {}", listed.display())
        ))
    );
    assert_eq!(config.table.unwrap().value, "ci_history");

    // A listed .conf file, after ./flyway.conf, its values continued over lines.
    let ci = put(
        root.path(),
        "ci.conf",
        "flyway.schemas=\\\n    ci_a,\\\n    ci_b\nflyway.defaultSchema=ci_\\\n   default\n",
    );
    let config = FlywayConfig::load_from(
        &dirs,
        vars(&home, &[("FLYWAY_CONFIG_FILES", &ci.display().to_string())]),
    )
    .unwrap();
    assert_eq!(
        pair(&config.first_schema),
        Some(("ci_a".into(), format!("flyway.schemas in {}", ci.display())))
    );
    assert_eq!(
        pair(&config.default_schema),
        Some((
            "ci_default".into(),
            format!("flyway.defaultSchema in {}", ci.display())
        ))
    );
    assert_eq!(config.table.as_ref().unwrap().value, "conf_table");
    // With flyway.conf, `flyway_table` is not Flyway's; FLYWAY_TABLE is.
    let config = FlywayConfig::load_from(
        &dirs,
        vars(&home, &[("flyway_table", "x"), ("flyway_schemas", "y")]),
    )
    .unwrap();
    assert_eq!(config.table.unwrap().value, "conf_table");
    assert_eq!(config.first_schema, None);
    let config =
        FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_TABLE", "Env_Table")])).unwrap();
    assert_eq!(
        pair(&config.table),
        Some(("Env_Table".into(), "FLYWAY_TABLE".into()))
    );

    // ~/flyway.toml selects TOML: the project's flyway.conf no longer counts.
    let home_toml = put(
        &home,
        "flyway.toml",
        "[flyway]\ndefaultSchema = \"home_schema\"\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(
        pair(&config.default_schema),
        Some((
            "home_schema".into(),
            format!("defaultSchema in {}", home_toml.display())
        ))
    );
    assert_eq!(config.table, None);
}

/// `[flyway] schemas` is not a Flyway setting (`schemas` is the environment's): Flyway stops
/// with "Failed to configure Parameters: schemas" unless a file has a root-level table of its
/// own (`rootConfigurationsIsEmpty`), and so does this, naming the file and line; the same key
/// in the selected environment's `flyway` table too, another environment's does not count.
#[test]
fn a_schemas_key_in_a_flyway_table_is_an_error_as_in_flyway() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let toml = put(
        &project,
        "flyway.toml",
        "[flyway]\ntable = \"h\"\nschemas = [\"app\"]\n\n[environments.default]\nurl = \"jdbc:x\"\n",
    );
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap_err();
    assert_eq!(err.exit_code(), crate::error::exit::ERROR);
    let err = err.to_string();
    assert!(err.contains(&toml.display().to_string()), "{err}");
    assert!(
        err.contains("line 3: [flyway] schemas: Flyway has no `schemas` setting here and stops (\"Failed to configure Parameters: schemas\"); it belongs to the environment: [environments.default] schemas = [...]"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    // With a root-level table of its own in any file, Flyway ignores the key.
    put(
        &project,
        "flyway.user.toml",
        "[flywayDesktop]\nproject = \"x\"\n",
    );
    let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
    assert_eq!(config.first_schema, None);
    std::fs::remove_file(project.join("flyway.user.toml")).unwrap();

    put(
        &project,
        "flyway.toml",
        "[environments.default]\nurl = \"jdbc:x\"\n\n[environments.prod]\nurl = \"jdbc:y\"\n\n[environments.prod.flyway]\nschemas = [\"p\"]\n",
    );
    assert!(FlywayConfig::load_from(&dirs, vars(&home, &[])).is_ok());
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "prod")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "line 8: [environments.prod.flyway] schemas: Flyway has no `schemas` setting here"
        ) && err.contains("[environments.prod] schemas = [...]"),
        "{err}"
    );
}

/// A selected environment that no file defines and no variable creates stops Flyway
/// ("Environment 'NAME' not found", `ClassicConfiguration.getCurrentResolvedEnvironment`, as
/// soon as `migrate` needs its connection or `schemas`); `default` always exists.
#[test]
fn a_selected_environment_that_does_not_exist_is_an_error_as_in_flyway() {
    let (_root, home, project) = setup();
    let dirs = [project.clone()];
    let toml = put(
        &project,
        "flyway.toml",
        "[flyway]\ntable = \"h\"\n\n[environments.default]\nurl = \"jdbc:x\"\n",
    );
    let err =
        FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "nope")])).unwrap_err();
    assert_eq!(err.exit_code(), crate::error::exit::ERROR);
    let err = err.to_string();
    assert!(
        err.contains("flyway_environment: Environment 'nope' not found: no TOML file has an [environments.nope] table")
            && err.contains("Flyway stops with \"Environment 'nope' not found.")
            && err.contains("add [environments.nope] to flyway.toml or set FLYWAY_URL"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");

    put(
        &project,
        "flyway.toml",
        "[flyway]\nenvironment = \"nope\"\n\n[environments.default]\nurl = \"jdbc:x\"\n",
    );
    let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&toml.display().to_string())
            && err.contains("line 2: [flyway] environment: Environment 'nope' not found"),
        "{err}"
    );
    // A variable that sets one of the environment's settings creates it, as in Flyway.
    for created in [
        ("FLYWAY_URL", "jdbc:x"),
        ("flyway_schemas", "s"),
        ("environments_nope_url", "jdbc:x"),
    ] {
        assert!(
            FlywayConfig::load_from(&dirs, vars(&home, &[created])).is_ok(),
            "{created:?}"
        );
    }
    // A prefixed one is seen through the names of the variables set.
    let jdbc = [("FLYWAY_JDBC_PROPERTIES_ssl", "true")];
    assert!(FlywayConfig::load_from(&dirs, vars(&home, &jdbc)).is_err());
    let names = vec!["FLYWAY_JDBC_PROPERTIES_ssl".to_string()];
    assert!(FlywayConfig::load_with_names(&dirs, vars(&home, &jdbc), &names).is_ok());
    // `default` needs no table; neither does an environment named only in another file.
    put(&project, "flyway.toml", "[flyway]\ntable = \"h\"\n");
    let default = [("flyway_environment", "default")];
    assert!(FlywayConfig::load_from(&dirs, vars(&home, &default)).is_ok());
    put(&project, "flyway.user.toml", "[environments.nope]\n");
    put(
        &project,
        "flyway.toml",
        "[flyway]\nenvironment = \"nope\"\n",
    );
    assert!(FlywayConfig::load_from(&dirs, vars(&home, &[])).is_ok());
}
