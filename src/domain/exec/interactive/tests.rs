use super::*;

fn reason(code: &str) -> Option<String> {
    interactive(code).map(|i| i.reason)
}

#[track_caller]
fn asks(code: &str, expected: &str) {
    assert_eq!(reason(code).as_deref(), Some(expected), "{code}");
}

#[track_caller]
fn quiet(code: &str) {
    assert_eq!(reason(code), None, "{code}");
}

#[test]
fn read_from_the_keyboard_is_interactive() {
    asks(
        r#"read -p "Type the release name: " name"#,
        "read -p prompts for input",
    );
    asks(r#"read -rp "Continue? " yn"#, "read -p prompts for input");
    asks(r#"read -r -p "Continue? " yn"#, "read -p prompts for input");
    asks("read -p'go? ' x", "read -p prompts for input");
    asks("read -s PASSWORD", "read waits for input from the keyboard");
    asks("read", "read waits for input from the keyboard");
    asks(
        "while read -r line; do echo \"$line\"; done",
        "read waits for input from the keyboard",
    );
    asks(
        "if ! read -t 30 -p 'ok? ' a; then exit 1; fi",
        "read -p prompts for input",
    );
    asks("mapfile -t hosts", "mapfile reads lines from the keyboard");
    asks(
        "select env in staging production; do break; done",
        "select prompts for a choice",
    );
}

#[test]
fn read_from_a_file_or_a_pipe_is_not() {
    quiet("read x < file");
    quiet("read -r x <<< \"$VALUE\"");
    quiet("read -p 'name? ' x < answers.txt");
    quiet("cat hosts | while read line; do echo \"$line\"; done");
    quiet("while read -r line; do echo \"$line\"; done < hosts.txt");
    quiet("while IFS= read -r line\ndo\n  echo \"$line\"\ndone < <(kubectl get pods)");
    quiet("{ read a; read b; } < pair.txt");
    quiet("read -u 3 line");
    quiet("printf 'y\\n' | read answer");
    quiet("read x <<EOF\nhello\nEOF");
    quiet("mapfile -t lines < list.txt");
    quiet("select x in a b; do break; done < choices");
    quiet("cat list | if read first; then echo \"$first\"; fi");
}

#[test]
fn comments_quotes_and_heredocs_run_nothing() {
    quiet(r#"echo "read -p""#);
    quiet("# read -p in a comment");
    quiet("echo done # then sudo reboot");
    quiet("echo 'sudo systemctl restart app'");
    quiet("cat <<'EOF' > notes.md\nread -p \"x\" y\nsudo reboot\nEOF");
    quiet("cat <<-EOF > notes.md\n\tssh -t host\n\tEOF\necho ok");
    quiet("grep -r 'ssh -t' docs/");
    quiet("echo \"$(echo 'sudo -i')\"");
    quiet("echo read");
    quiet("hosts=(sudo ssh -t)");
}

#[test]
fn sudo_without_n_may_ask_for_a_password() {
    asks("sudo systemctl restart app", "sudo may ask for a password");
    asks("sudo -u deploy ./migrate.sh", "sudo may ask for a password");
    asks(
        "/usr/bin/sudo -E make install",
        "sudo may ask for a password",
    );
    asks("FOO=1 sudo true", "sudo may ask for a password");
    asks("time sudo true", "sudo may ask for a password");
    asks("sudo -S true", "sudo -S reads a password from the keyboard");
    quiet("sudo -n systemctl restart x");
    quiet("sudo --non-interactive systemctl restart x");
    quiet("sudo -nu deploy true");
    quiet("sudo -u deploy -n true");
    quiet("echo \"$PW\" | sudo -S systemctl restart x");
    quiet("sudo -S true < pw.txt");
    quiet("sudo -k");
    // sudo -n lets the command it runs be judged on its own.
    asks(
        "sudo -n mysql -u root -p shop",
        "mysql -p asks for a password",
    );
}

#[test]
fn database_clients_with_a_bare_password_flag_ask() {
    asks(
        "mysql -h db -u root -p shop < dump.sql",
        "mysql -p asks for a password",
    );
    asks(
        "mysql -h [host] -u [user] -p [database]",
        "mysql -p asks for a password",
    );
    asks(
        "mariadb --password -u root",
        "mariadb --password asks for a password",
    );
    asks(
        "mysqldump -u root -p shop > shop.sql",
        "mysqldump -p asks for a password",
    );
    asks(
        "mysql -u root -p'' shop -e 'select 1'",
        "mysql -p asks for a password",
    );
    asks(
        "psql -h db -U app -W -c 'select 1'",
        "psql -W asks for a password",
    );
    asks(
        "psql --password \"$URL\" -f m.sql",
        "psql --password asks for a password",
    );
    asks(
        "pg_dump -W -h db shop > shop.sql",
        "pg_dump -W asks for a password",
    );
    quiet("mysql -pSECRET -e 'select 1'");
    quiet("mysql -p\"$DB_PASSWORD\" -e 'select 1'");
    quiet("mysql -h $PROD_DB_HOST -u $DB_USER -p$DB_PASSWORD terp < prod_backup.sql");
    quiet("mysql --password=\"$PW\" -e 'show tables' shop");
    quiet("mysql -e -p shop");
    quiet("mysqldump -h h -u u -p$PW shop > shop.sql");
    quiet("psql \"$URL\" -c 'select 1'");
    quiet("psql \"$URL\" < migrate.sql");
    quiet("psql -f migrate.sql \"$URL\"");
    quiet("echo 'select 1' | psql \"$URL\"");
}

#[test]
fn a_database_shell_without_a_query_is_a_session() {
    asks(
        "psql \"$URL\"",
        "psql without -c opens an interactive session",
    );
    asks(
        "mysql -h db -u app shop",
        "mysql without -e opens an interactive session",
    );
    quiet("mysql -h db -u app shop -e 'select 1'");
    quiet("mysql -h db -u app -e'select 1' shop");
    quiet("mysql shop < dump.sql");
    quiet("psql --version");
}

#[test]
fn terminals_are_interactive() {
    asks("ssh -t bastion sudo -i", "ssh -t opens a terminal");
    asks(
        "ssh -i key.pem -t deploy@web1 htop",
        "ssh -t opens a terminal",
    );
    asks("ssh -tt web1 'tail -f log'", "ssh -tt opens a terminal");
    asks("ssh -At web1 ls", "ssh -t opens a terminal");
    asks(
        "ssh -o RequestTTY=force web1 ls",
        "ssh -o RequestTTY=force opens a terminal",
    );
    asks(
        "ssh deploy@web1",
        "ssh without a command opens a remote shell",
    );
    asks("docker exec -it web sh", "docker exec -it opens a terminal");
    asks("docker exec -ti web sh", "docker exec -it opens a terminal");
    asks(
        "docker exec -i -t web sh",
        "docker exec -it opens a terminal",
    );
    asks(
        "docker exec -u root -it web sh",
        "docker exec -it opens a terminal",
    );
    asks(
        "docker container exec --interactive --tty web sh",
        "docker exec -it opens a terminal",
    );
    asks(
        "docker run --rm -it alpine sh",
        "docker run -it opens a terminal",
    );
    asks(
        "docker run -e A=1 -v /x:/y -it img",
        "docker run -it opens a terminal",
    );
    asks(
        "kubectl exec -it deploy/migration-job -n production -- npm run migrate:down",
        "kubectl exec -it opens a terminal",
    );
    asks(
        "kubectl -n prod exec -ti web -- sh",
        "kubectl exec -it opens a terminal",
    );
    asks(
        "kubectl exec --stdin --tty web -- sh",
        "kubectl exec -it opens a terminal",
    );
    asks(
        "kubectl exec web -it -- sh",
        "kubectl exec -it opens a terminal",
    );
    asks(
        "kubectl run tmp --image=busybox --rm -it -- sh",
        "kubectl run -it opens a terminal",
    );
    asks("kubectl edit deploy/web", "kubectl edit opens an editor");
    asks("vim /etc/app.conf", "vim opens an editor");
    asks("crontab -e", "crontab -e opens an editor");
    asks("terraform apply", "terraform apply asks for approval");
    asks(
        "terraform apply -var env=prod -target module.web",
        "terraform apply asks for approval",
    );
    asks(
        "terraform -chdir=infra destroy -var env=prod",
        "terraform destroy asks for approval",
    );
}

#[test]
fn the_same_tools_without_a_terminal_are_not() {
    quiet("ssh web1 'systemctl restart app'");
    quiet("ssh -T git@github.com");
    quiet("ssh -n web1");
    quiet("ssh -t web1 ls < /dev/null");
    quiet("ssh web1 bash -s < deploy.sh");
    quiet("ssh-keygen -t ed25519 -f key -N ''");
    quiet("docker exec web ls");
    quiet("docker exec -i web psql < dump.sql");
    quiet("docker run -dit --name web nginx");
    quiet("docker run --rm alpine echo -it");
    quiet("docker exec -it web sh < script.sh");
    quiet("kubectl exec deploy/x -- ls");
    quiet("kubectl exec deploy/x -- ls -it");
    quiet("kubectl exec -i deploy/db -- psql < dump.sql");
    quiet("kubectl get pods -it");
    quiet("kubectl rollout restart deployment/app -n production");
    quiet("vim -es -c 'wq' file");
    quiet("crontab -l");
    quiet("terraform apply -auto-approve");
    quiet("terraform apply tfplan");
    quiet("terraform apply -input=false");
    quiet("yes yes | terraform destroy");
    quiet("terraform plan -out tfplan");
}

#[test]
fn the_first_interactive_line_is_reported() {
    let code =
        "echo start\n# sudo here is a comment\nkubectl get pods\nread -p 'go? ' x\nsudo reboot\n";
    assert_eq!(
        interactive(code),
        Some(Interactive {
            line_offset: 3,
            reason: "read -p prompts for input".into()
        })
    );
    // Continuation lines and multi-line strings move the count on.
    let code = "curl -X POST \\\n  -d 'a\nb' \\\n  https://x\nssh -t web1 \\\n  uptime\n";
    assert_eq!(interactive(code).map(|i| i.line_offset), Some(4));
    let code = "cat <<EOF\nsudo reboot\nEOF\nsudo -n true\nsudo true";
    assert_eq!(interactive(code).map(|i| i.line_offset), Some(4));
}

#[test]
fn commands_inside_commands_are_judged() {
    asks(
        "NAME=$(read -p 'name? ' n; echo $n)",
        "read -p prompts for input",
    );
    asks("echo `sudo cat /etc/shadow`", "sudo may ask for a password");
    asks("bash -c 'read -p \"go? \" x'", "read -p prompts for input");
    asks("sh -ec 'sudo true'", "sudo may ask for a password");
    asks(
        "if true; then\n  (cd /srv && sudo make install)\nfi",
        "sudo may ask for a password",
    );
    asks(
        "case $1 in\n  go) ssh -t web1 top ;;\n  *) echo no ;;\nesac",
        "ssh -t opens a terminal",
    );
    asks(
        "deploy() {\n  sudo systemctl restart app\n}\ndeploy",
        "sudo may ask for a password",
    );
    asks(
        "for h in web1 web2; do ssh -t $h uptime; done",
        "ssh -t opens a terminal",
    );
    asks(
        "env -u HOME DEBUG=1 sudo true",
        "sudo may ask for a password",
    );
    asks("timeout 30 read -p 'x' y", "read -p prompts for input");
    quiet("echo x | bash -c 'read v'");
    quiet("command -v sudo");
    quiet("x=$(( 3 + 4 ))");
    quiet("for x in sudo read; do echo $x; done");
    quiet("case $x in sudo) echo hi ;; esac");
}

#[test]
fn odd_scripts_never_panic() {
    for code in [
        "",
        "\\",
        "'unterminated",
        "\"unterminated $(",
        "$(",
        "`",
        "cat <<",
        "cat <<EOF",
        "done",
        "fi; fi; }",
        ")))",
        "((((",
        "a=(",
        "${",
        "read -p",
        "ssh -o",
        "sudo --user",
        "docker",
        "kubectl -n",
        "mysql -e",
        "bash -c",
        "é ü \u{1F680} read",
        "$'\\",
        "<(",
        "2>",
        "case x in",
        "function",
    ] {
        let _ = interactive(code);
    }
}

proptest::proptest! {
    /// A runbook is anyone's text: whatever it holds, the judgement ends
    /// without a panic and points at a line of the script.
    #[test]
    fn any_script_is_judged_within_its_lines(code in "[a-z -'\"$(){}`<>|&;#=\\\\\n]{0,120}") {
        if let Some(found) = interactive(&code) {
            proptest::prop_assert!(found.line_offset <= code.matches('\n').count());
        }
    }

    #[test]
    fn shell_words_around_the_tools_never_panic(
        words in proptest::collection::vec(
            "(sudo|ssh|read|mysql|psql|docker|kubectl|exec|-it|-p|-t|-n|-S|-u|--|\\||<|<<|\\(|\\)|;|\n|do|done|while|case|in|esac|x|'a b'|\"\\$y\")",
            0..16,
        )
    ) {
        let _ = interactive(&words.join(" "));
    }
}
