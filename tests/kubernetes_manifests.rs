//! The Kubernetes manifests in `deploy/kubernetes/`, parsed and checked, since
//! no cluster runs here: the Indexed Job gives one pod per node and names each
//! report by its index, every pod writes where the shared volume is mounted,
//! and the merge step judges the folder the Job wrote, expecting as many nodes
//! as the Job runs. Each check is also shown failing on an edited copy.

use saphyr::{LoadableYamlNode, Yaml};

const PVC: &str = include_str!("../deploy/kubernetes/pvc.yaml");
const JOB: &str = include_str!("../deploy/kubernetes/job.yaml");
const DAEMONSET: &str = include_str!("../deploy/kubernetes/daemonset.yaml");
const FLEET: &str = include_str!("../deploy/kubernetes/fleet.yaml");

type Checked<T> = Result<T, String>;

/// The one YAML document in `text` (duplicate keys are an error).
fn parse(text: &str) -> Checked<Yaml<'_>> {
    let mut docs = Yaml::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(format!("{n} YAML documents, not one")),
    }
}

/// The node at a dotted path of mapping keys and sequence indexes.
fn at<'a, 'y>(node: &'a Yaml<'y>, path: &str) -> Checked<&'a Yaml<'y>> {
    path.split('.').try_fold(node, |node, key| {
        match key.parse::<usize>() {
            Ok(index) => node.as_sequence_get(index),
            Err(_) => node.as_mapping_get(key),
        }
        .ok_or_else(|| format!("no {path}"))
    })
}

fn text<'a>(node: &'a Yaml, path: &str) -> Checked<&'a str> {
    at(node, path)?
        .as_str()
        .ok_or_else(|| format!("{path} is not a string"))
}

fn integer(node: &Yaml, path: &str) -> Checked<i64> {
    at(node, path)?
        .as_integer()
        .ok_or_else(|| format!("{path} is not a whole number"))
}

fn sequence<'a, 'y>(node: &'a Yaml<'y>, path: &str) -> Checked<&'a [Yaml<'y>]> {
    at(node, path)?
        .as_sequence()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("{path} is not a list"))
}

/// Every key of the mapping `selector` has the same value in `labels`.
fn selects(selector: &Yaml, labels: &Yaml) -> bool {
    match (selector.as_mapping(), labels.as_mapping()) {
        (Some(selector), Some(labels)) => {
            !selector.is_empty()
                && selector
                    .iter()
                    .all(|(key, value)| labels.get(key) == Some(value))
        }
        _ => false,
    }
}

fn expect_kind(doc: &Yaml, api_version: &str, kind: &str) -> Checked<()> {
    let found = (text(doc, "apiVersion")?, text(doc, "kind")?);
    if found != (api_version, kind) {
        return Err(format!(
            "{}/{} is not a {api_version} {kind}",
            found.0, found.1
        ));
    }
    Ok(())
}

/// The words a container's command runs: an exec list as it is, or the
/// script of `/bin/sh -c` split on white space with its quotes dropped.
fn command_words(container: &Yaml) -> Checked<Vec<String>> {
    let command: Vec<&str> = sequence(container, "command")?
        .iter()
        .map(|word| word.as_str().ok_or("a command word is not a string"))
        .collect::<Result<_, _>>()?;
    Ok(match command.as_slice() {
        ["/bin/sh", "-c", script] => script
            .split_whitespace()
            .map(|word| word.replace(['"', '\''], ""))
            .collect(),
        words => words.iter().map(|word| word.to_string()).collect(),
    })
}

/// What follows `chipbench SUBCOMMAND` in `words`.
fn chipbench_args<'w>(words: &'w [String], subcommand: &str) -> Checked<&'w [String]> {
    words
        .windows(2)
        .position(|pair| pair[0] == "chipbench" && pair[1] == subcommand)
        .map(|at| &words[at + 2..])
        .ok_or_else(|| format!("the command does not run `chipbench {subcommand}`"))
}

/// The word after `flag` in `args`.
fn flag<'w>(args: &'w [String], flag: &str) -> Option<&'w str> {
    let at = args.iter().position(|word| word == flag)?;
    args.get(at + 1).map(String::as_str)
}

/// Where the pod spec mounts the claim `claim`, in its only container.
fn claim_mount(pod: &Yaml, claim: &str) -> Checked<String> {
    let volume = sequence(pod, "volumes")?
        .iter()
        .find(|v| text(v, "persistentVolumeClaim.claimName") == Ok(claim))
        .ok_or_else(|| format!("no volume of the claim {claim}"))?;
    let name = text(volume, "name")?;
    let mount = sequence(pod, "containers.0.volumeMounts")?
        .iter()
        .find(|m| text(m, "name") == Ok(name))
        .ok_or_else(|| format!("the volume {name} is not mounted"))?;
    Ok(text(mount, "mountPath")?.to_string())
}

/// `path` (up to its first shell expansion) lies in the folder `mount`.
fn under(path: &str, mount: &str) -> bool {
    let literal = path.split('$').next().unwrap_or_default();
    let mount = mount.trim_end_matches('/');
    literal == mount || literal.starts_with(&format!("{mount}/"))
}

/// The claim's name, checked shareable across nodes.
fn check_pvc(pvc: &str) -> Checked<String> {
    let pvc = parse(pvc)?;
    expect_kind(&pvc, "v1", "PersistentVolumeClaim")?;
    let modes = sequence(&pvc, "spec.accessModes")?;
    if !modes.iter().any(|m| m.as_str() == Some("ReadWriteMany")) {
        return Err("the claim is not ReadWriteMany: pods on several nodes cannot share it".into());
    }
    Ok(text(&pvc, "metadata.name")?.to_string())
}

/// A pod template's only container runs `chipbench run`, writing under the
/// claim's mount, with NODE_NAME from the downward API and a GPU limit;
/// returns the `run` arguments and the mount path.
fn check_run_pod(template: &Yaml, claim: &str) -> Checked<(Vec<String>, String)> {
    let pod = at(template, "spec")?;
    if sequence(pod, "containers")?.len() != 1 {
        return Err("the pod should have exactly one container".into());
    }
    let container = at(pod, "containers.0")?;
    let words = command_words(container)?;
    let args = chipbench_args(&words, "run")?.to_vec();
    let out = flag(&args, "--out").ok_or("`chipbench run` has no --out")?;
    let mount = claim_mount(pod, claim)?;
    if !under(out, &mount) {
        return Err(format!(
            "--out {out} is not under the volume mounted at {mount}: the reports would be lost with the pod"
        ));
    }
    let node_name = sequence(container, "env")?
        .iter()
        .find(|e| text(e, "name") == Ok("NODE_NAME"))
        .ok_or("no NODE_NAME in the environment")?;
    if text(node_name, "valueFrom.fieldRef.fieldPath") != Ok("spec.nodeName") {
        return Err("NODE_NAME does not come from spec.nodeName".into());
    }
    let limits = at(container, "resources.limits")?
        .as_mapping()
        .ok_or("resources.limits is not a mapping")?;
    if !limits
        .keys()
        .any(|key| key.as_str().is_some_and(|k| k.ends_with("/gpu")))
    {
        return Err("no GPU in resources.limits".into());
    }
    Ok((args, mount))
}

/// The Indexed Job; returns its node count and report folder.
fn check_job(job: &str, pvc: &str) -> Checked<(i64, String)> {
    let claim = check_pvc(pvc)?;
    let job = parse(job)?;
    expect_kind(&job, "batch/v1", "Job")?;
    if text(&job, "spec.completionMode") != Ok("Indexed") {
        return Err("completionMode is not Indexed: reports would not carry the index".into());
    }
    let completions = integer(&job, "spec.completions")?;
    let parallelism = integer(&job, "spec.parallelism")?;
    if completions != parallelism {
        return Err(format!(
            "completions {completions} != parallelism {parallelism}: nodes would run at different times"
        ));
    }
    let template = at(&job, "spec.template")?;
    if text(template, "spec.restartPolicy") != Ok("Never") {
        return Err("restartPolicy is not Never: a failed node would run again".into());
    }
    let labels = at(template, "metadata.labels")?;
    let terms = sequence(
        template,
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution",
    )?;
    if !terms.iter().any(|term| {
        text(term, "topologyKey") == Ok("kubernetes.io/hostname")
            && at(term, "labelSelector.matchLabels").is_ok_and(|s| selects(s, labels))
    }) {
        return Err(
            "no required anti-affinity on kubernetes.io/hostname selecting the Job's own pods"
                .into(),
        );
    }
    let (args, _) = check_run_pod(template, &claim)?;
    if flag(&args, "--node").is_some() {
        return Err("--node would hide the completion index the report is named by".into());
    }
    let out = flag(&args, "--out").unwrap_or_default().to_string();
    Ok((completions, out))
}

fn check_daemonset(daemonset: &str, pvc: &str) -> Checked<()> {
    let claim = check_pvc(pvc)?;
    let daemonset = parse(daemonset)?;
    expect_kind(&daemonset, "apps/v1", "DaemonSet")?;
    let template = at(&daemonset, "spec.template")?;
    if !selects(
        at(&daemonset, "spec.selector.matchLabels")?,
        at(template, "metadata.labels")?,
    ) {
        return Err("the selector does not select the pod template's labels".into());
    }
    let (args, _) = check_run_pod(template, &claim)?;
    // A DaemonSet's pod has no index: without --node its reports are named by the pod.
    if flag(&args, "--node") != Some("$NODE_NAME") {
        return Err("`chipbench run` is not given --node $NODE_NAME".into());
    }
    Ok(())
}

/// The merge step judges the Job's folder, expecting the Job's node count.
fn check_fleet(fleet: &str, job: &str, pvc: &str) -> Checked<()> {
    let claim = check_pvc(pvc)?;
    let (nodes, out) = check_job(job, pvc)?;
    let fleet = parse(fleet)?;
    expect_kind(&fleet, "batch/v1", "Job")?;
    let pod = at(&fleet, "spec.template.spec")?;
    let words = command_words(at(pod, "containers.0")?)?;
    let args = chipbench_args(&words, "fleet")?;
    if args.first().map(String::as_str) != Some(out.as_str()) {
        return Err(format!(
            "`chipbench fleet` does not judge {out}, where the Job writes"
        ));
    }
    if flag(args, "--expect") != Some(nodes.to_string().as_str()) {
        return Err(format!(
            "`chipbench fleet` is not given --expect {nodes}, the Job's completions"
        ));
    }
    let mount = claim_mount(pod, &claim)?;
    if !under(&out, &mount) {
        return Err(format!("{out} is not under the volume mounted at {mount}"));
    }
    let image = |doc: &Yaml| text(doc, "spec.template.spec.containers.0.image").map(str::to_string);
    let (judge, runner) = (image(&fleet)?, image(&parse(job)?)?);
    if judge != runner {
        return Err(format!(
            "the merge runs {judge}, the Job {runner}: one chipbench should do both"
        ));
    }
    Ok(())
}

/// `text` with `from` replaced once by `to`; fails if `from` is not there,
/// so an edited manifest cannot make a test below check nothing.
fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the manifest no longer contains {from:?}"
    );
    text.replacen(from, to, 1)
}

fn assert_fails(result: Checked<impl std::fmt::Debug>, words: &str) {
    match result {
        Ok(value) => panic!("a broken manifest passed: {value:?}"),
        Err(error) => assert!(error.contains(words), "error {error:?} lacks {words:?}"),
    }
}

#[test]
fn indexed_job_gives_one_pod_per_node_and_keeps_its_report() {
    assert_eq!(check_job(JOB, PVC), Ok((8, "/reports/fleet".to_string())));
}

#[test]
fn daemonset_runs_chipbench_on_each_node_into_the_volume() {
    assert_eq!(check_daemonset(DAEMONSET, PVC), Ok(()));
}

#[test]
fn fleet_step_judges_what_the_job_wrote() {
    assert_eq!(check_fleet(FLEET, JOB, PVC), Ok(()));
}

#[test]
fn a_mount_that_is_not_where_out_points_fails() {
    let job = edited(JOB, "mountPath: /reports", "mountPath: /results");
    assert_fails(
        check_job(&job, PVC),
        "is not under the volume mounted at /results",
    );
    let daemonset = edited(DAEMONSET, "mountPath: /reports", "mountPath: /data");
    assert_fails(
        check_daemonset(&daemonset, PVC),
        "is not under the volume mounted at /data",
    );
    // A prefix of the path that is not a folder of it is no mount of it.
    let job = edited(JOB, "mountPath: /reports", "mountPath: /rep");
    assert_fails(check_job(&job, PVC), "is not under");
}

#[test]
fn a_job_that_is_not_one_indexed_pod_per_node_fails() {
    let job = edited(JOB, "completionMode: Indexed", "completionMode: NonIndexed");
    assert_fails(check_job(&job, PVC), "completionMode");
    let job = edited(JOB, "parallelism: 8", "parallelism: 4");
    assert_fails(check_job(&job, PVC), "completions 8 != parallelism 4");
    let job = edited(JOB, "kubernetes.io/hostname", "topology.kubernetes.io/zone");
    assert_fails(check_job(&job, PVC), "anti-affinity");
    let job = edited(
        JOB,
        "        app.kubernetes.io/name: chipbench-job",
        "        app.kubernetes.io/name: chipbench",
    );
    assert_fails(check_job(&job, PVC), "anti-affinity");
    let job = edited(
        JOB,
        "--out, /reports/fleet]",
        "--out, /reports/fleet, --node, x]",
    );
    assert_fails(check_job(&job, PVC), "completion index");
    let job = edited(JOB, "fieldPath: spec.nodeName", "fieldPath: metadata.name");
    assert_fails(check_job(&job, PVC), "spec.nodeName");
    let pvc = edited(PVC, "[ReadWriteMany]", "[ReadWriteOnce]");
    assert_fails(check_job(JOB, &pvc), "ReadWriteMany");
}

#[test]
fn a_command_that_does_not_run_chipbench_into_the_volume_fails() {
    let job = edited(
        JOB,
        "command: [chipbench, run,",
        "command: [chipbench, show,",
    );
    assert_fails(check_job(&job, PVC), "does not run `chipbench run`");
    let job = edited(JOB, "--out, /reports/fleet]", "--html]");
    assert_fails(check_job(&job, PVC), "no --out");
    let daemonset = edited(DAEMONSET, "--node \"$NODE_NAME\"", "");
    assert_fails(check_daemonset(&daemonset, PVC), "--node $NODE_NAME");
    let daemonset = edited(
        DAEMONSET,
        "chipbench-watch\n  template",
        "other\n  template",
    );
    assert_fails(check_daemonset(&daemonset, PVC), "selector");
}

#[test]
fn a_fleet_step_that_expects_other_nodes_or_reads_elsewhere_fails() {
    let job = edited(
        JOB,
        "completions: 8\n  parallelism: 8",
        "completions: 16\n  parallelism: 16",
    );
    assert_fails(check_fleet(FLEET, &job, PVC), "--expect 16");
    let fleet = edited(
        FLEET,
        "chipbench fleet /reports/fleet",
        "chipbench fleet /reports/other",
    );
    assert_fails(
        check_fleet(&fleet, JOB, PVC),
        "does not judge /reports/fleet",
    );
    let fleet = edited(FLEET, "mountPath: /reports", "mountPath: /srv");
    assert_fails(check_fleet(&fleet, JOB, PVC), "mounted at /srv");
    let fleet = edited(FLEET, "chipbench:0.1.0", "chipbench:0.2.0");
    assert_fails(
        check_fleet(&fleet, JOB, PVC),
        "one chipbench should do both",
    );
}

#[test]
fn a_duplicate_key_is_not_yaml() {
    let job = edited(
        JOB,
        "  parallelism: 8\n",
        "  parallelism: 8\n  parallelism: 9\n",
    );
    assert_fails(check_job(&job, PVC), "not YAML");
}
