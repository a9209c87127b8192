//! The co-pilot's transport: `run` listens on `copilot.sock` in the session
//! directory (a Unix socket, mode 0660, never TCP) and `join` connects to
//! it. Who is on the other end comes from the kernel (`SO_PEERCRED`'s uid,
//! then the user database), never from what the client sends.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::core::copilot::{self, Reply, Request, SOCKET};
use crate::core::settings::Team;
use crate::shell::msg::{CopilotMsg, Msg};

/// `run`'s bound socket, before and while the loop serves it; its file is
/// removed when this is dropped.
#[derive(Debug)]
pub struct Socket {
    listener: Option<StdListener>,
    path: PathBuf,
    members: Vec<String>,
    may_roll_back: bool,
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Socket {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Binds `dir/copilot.sock`. A file left there by a cockpit that crashed
/// is removed first: whoever calls this holds the session lock, so no
/// other cockpit serves it. The warnings (a group that could not be set)
/// are for the deployer, before the screen opens.
pub fn bind(dir: &Path, team: &Team) -> Result<(Socket, Vec<String>), String> {
    let path = dir.join(SOCKET);
    let name = path.display().to_string();
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{name}: cannot remove the old socket: {e}")),
    }
    let listener = StdListener::bind(&path).map_err(|e| format!("{name}: {e}"))?;
    let socket = Socket {
        listener: Some(listener),
        path,
        members: team.members.clone(),
        may_roll_back: team.copilot_may_roll_back,
    };
    std::fs::set_permissions(&socket.path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| format!("{name}: cannot set mode 0660: {e}"))?;
    let mut warnings = Vec::new();
    if let Some(group) = &team.group {
        match nix::unistd::Group::from_name(group) {
            Ok(Some(g)) => {
                if let Err(e) = nix::unistd::chown(&socket.path, None, Some(g.gid)) {
                    warnings.push(format!(
                        "{name}: cannot give the socket to group {group} ({e}): only this user \
                         can join"
                    ));
                }
            }
            Ok(None) => warnings.push(format!(
                "team.group: no group {group} on this machine: the socket keeps this user's group"
            )),
            Err(e) => warnings.push(format!("team.group: looking up {group}: {e}")),
        }
    }
    Ok((socket, warnings))
}

/// Serves the socket until the loop is gone; each connection in a task.
pub fn serve(socket: &mut Socket, tx: UnboundedSender<Msg>) -> std::io::Result<()> {
    let Some(std) = socket.listener.take() else {
        return Ok(());
    };
    std.set_nonblocking(true)?;
    let listener = tokio::net::UnixListener::from_std(std)?;
    let door = Door {
        members: socket.members.clone(),
        may_roll_back: socket.may_roll_back,
    };
    tokio::spawn(async move {
        let mut next = 0u64;
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    // Retrying at once would spin: co-pilots are turned
                    // away from here on, the session goes on.
                    log::error!("co-pilot socket: {e}: no more co-pilots can join");
                    return;
                }
            };
            if tx.is_closed() {
                return;
            }
            next += 1;
            tokio::spawn(connection(stream, next, door.clone(), tx.clone()));
        }
    });
    Ok(())
}

/// The user name of a uid, from the user database (off the loop: NSS may
/// ask the network); the uid itself when it has none.
async fn user_of(uid: u32) -> String {
    let found = tokio::task::spawn_blocking(move || {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
    })
    .await;
    match found {
        Ok(Ok(Some(u))) => u.name,
        _ => format!("uid-{uid}"),
    }
}

async fn send_line(w: &mut OwnedWriteHalf, reply: &Reply) -> std::io::Result<()> {
    w.write_all(format!("{}\n", reply.line()).as_bytes()).await
}

/// Who is let in, and what they are told.
#[derive(Debug, Clone)]
struct Door {
    members: Vec<String>,
    may_roll_back: bool,
}

async fn connection(stream: UnixStream, conn: u64, door: Door, tx: UnboundedSender<Msg>) {
    let uid = match stream.peer_cred() {
        Ok(c) => c.uid(),
        Err(e) => {
            log::warn!("co-pilot connection: no peer credentials: {e}");
            return;
        }
    };
    let user = user_of(uid).await;
    // The deployer's own account: let in, but it cannot be the second
    // person of an approval.
    let same_uid = uid == nix::unistd::getuid().as_raw();
    let (read, mut write) = stream.into_split();
    if !door.members.contains(&user) {
        let reason = format!(
            "{user} (uid {uid}) is not in this session's [team] members: ask the deployer to add \
             them to the config"
        );
        let _ = send_line(&mut write, &Reply::Refused { reason }).await;
        let _ = tx.send(Msg::Copilot(CopilotMsg::Refused { user, uid }));
        return;
    }
    let welcome = Reply::Welcome {
        user: user.clone(),
        may_roll_back: door.may_roll_back,
    };
    if send_line(&mut write, &welcome).await.is_err() {
        return;
    }
    let (answers, mut rx) = unbounded_channel::<Reply>();
    let joined = CopilotMsg::Joined {
        conn,
        user: user.clone(),
        answers: answers.clone(),
    };
    if tx.send(Msg::Copilot(joined)).is_err() {
        return;
    }
    // The answers, in order: the loop's and this reader's (a bad line).
    tokio::spawn(async move {
        while let Some(reply) = rx.recv().await {
            if send_line(&mut write, &reply).await.is_err() {
                break;
            }
        }
    });
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let msg = match copilot::parse(&line) {
            Ok(request) => CopilotMsg::Request {
                conn,
                user: user.clone(),
                same_uid,
                request,
            },
            Err(error) => {
                let _ = answers.send(Reply::Error { error });
                continue;
            }
        };
        if tx.send(Msg::Copilot(msg)).is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::Copilot(CopilotMsg::Left { conn, user }));
}

/// `join`'s connection, the greeting read: who the kernel says we are.
#[derive(Debug)]
pub struct Link {
    stream: Option<StdStream>,
    pub user: String,
    /// The deployer's config lets this co-pilot run the rollback.
    pub may_roll_back: bool,
}

/// How long `join` waits for the greeting before the screen opens.
const GREETING: Duration = Duration::from_secs(5);

/// Connects to a session's socket; `Err` is what to tell the user (the
/// deployer's reason when refused).
pub fn connect(dir: &Path) -> Result<Link, String> {
    let path = dir.join(SOCKET);
    let mut stream = StdStream::connect(&path).map_err(|e| {
        format!(
            "{}: {e}: is the deployer's cockpit (run) still running this session?",
            path.display()
        )
    })?;
    stream
        .set_read_timeout(Some(GREETING))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // Byte by byte: nothing after the greeting may be read into a buffer
    // the loop's reader would not see.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) => return Err(format!("{}: no greeting: {e}", path.display())),
        }
    }
    let text = String::from_utf8_lossy(&line);
    match Reply::parse(&text) {
        Ok(Reply::Welcome {
            user,
            may_roll_back,
        }) => {
            stream
                .set_read_timeout(None)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Link {
                stream: Some(stream),
                user,
                may_roll_back,
            })
        }
        Ok(Reply::Refused { reason }) => Err(format!("refused: {reason}")),
        Ok(other) => Err(format!("{}: unexpected greeting {other:?}", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Starts `join`'s reader and writer; requests go to the returned sender.
pub fn attach(
    link: &mut Link,
    tx: UnboundedSender<Msg>,
) -> std::io::Result<UnboundedSender<Request>> {
    let (rtx, mut rrx) = unbounded_channel::<Request>();
    let Some(std) = link.stream.take() else {
        return Ok(rtx);
    };
    std.set_nonblocking(true)?;
    let (read, mut write) = UnixStream::from_std(std)?.into_split();
    tokio::spawn(async move {
        while let Some(r) = rrx.recv().await {
            if write
                .write_all(format!("{}\n", r.line()).as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let reply = Reply::parse(&line).unwrap_or_else(|error| Reply::Error { error });
            if tx.send(Msg::Copilot(CopilotMsg::Answer(reply))).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::Copilot(CopilotMsg::Closed));
    });
    Ok(rtx)
}

/// Either end of the co-pilot, as the loop runs it.
#[derive(Debug)]
pub enum Copilot {
    Serve(Socket),
    Join(Link),
}
