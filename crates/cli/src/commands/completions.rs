//! `mediadex completions SHELL` and the hidden `mediadex __man`: shell
//! completion scripts (clap_complete) and the man page (clap_mangen), both made
//! from the same clap definition as the parser, so they never disagree with it.
//! The bash script also completes report names and parameters, which it asks
//! of `mediadex __complete-report` (see `complete_report`) as it completes.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, Shell};

pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Elvish => Target::Elvish,
        Shell::Powershell => Target::PowerShell,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    clap_complete::generate(target, &mut Cli::command(), "mediadex", &mut out);
    if target == Target::Bash {
        out.write_all(BASH_REPORTS.as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Bash: report names and parameters are asked of mediadex itself when the
/// line has `report` or `export` (they depend on the bundled reports and on
/// `--sql-dir`); everything else is clap's completion above.
const BASH_REPORTS: &str = r#"
# Report names and their parameters (`-p NAME=`) come from mediadex itself:
# they depend on the bundled reports and on --sql-dir or $MEDIADEX_SQL_DIR.
_mediadex_reports() {
    local cur="${COMP_WORDS[COMP_CWORD]}" offer=""
    case " ${COMP_WORDS[*]:1:COMP_CWORD-1} " in
        *" report "* | *" export "*)
            offer=$("${COMP_WORDS[0]}" __complete-report -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null) ;;
    esac
    if [[ -n "$offer" ]]; then
        COMPREPLY=($(compgen -W "$offer" -- "$cur"))
        [[ "${COMPREPLY[0]}" == *= ]] && compopt -o nospace 2>/dev/null
        return 0
    fi
    _mediadex "$@"
}
complete -F _mediadex_reports -o bashdefault -o default mediadex
"#;

pub fn man() -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
