//! Python's `getpass.getpass()`, as cqlsh asks for a password it was not given: `Password: `
//! on the terminal (`/dev/tty`, else standard input and error) and the answer read without
//! echo when it is a terminal.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;

/// Asks for a password; `None` at end of input.
pub fn prompt_password() -> std::io::Result<Option<String>> {
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty");
    let fd = match &tty {
        Ok(t) => t.as_raw_fd(),
        Err(_) => std::io::stdin().as_raw_fd(),
    };
    let write = |text: &[u8]| -> std::io::Result<()> {
        match &tty {
            Ok(t) => {
                let mut t = t;
                t.write_all(text)?;
                t.flush()
            }
            Err(_) => {
                let mut e = std::io::stderr().lock();
                e.write_all(text)?;
                e.flush()
            }
        }
    };
    write(b"Password: ")?;
    let saved = echo_off(fd);
    let mut line = String::new();
    let read = match &tty {
        Ok(t) => BufReader::new(t).read_line(&mut line),
        Err(_) => std::io::stdin().lock().read_line(&mut line),
    };
    if let Some(termios) = saved {
        restore(fd, &termios);
        // The Enter typed was not echoed.
        write(b"\n")?;
    }
    Ok((read? > 0).then(|| trim_newline(line)))
}

fn trim_newline(mut line: String) -> String {
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    line
}

/// Turns the terminal's echo off; returns the settings to restore (`None`: not a terminal).
fn echo_off(fd: libc::c_int) -> Option<libc::termios> {
    let mut termios = std::mem::MaybeUninit::<libc::termios>::zeroed();
    // SAFETY: tcgetattr writes a termios into the buffer we own; fd is open for the call.
    if unsafe { libc::tcgetattr(fd, termios.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: tcgetattr succeeded, so the struct is initialised (it was zeroed before too).
    let saved = unsafe { termios.assume_init() };
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    // SAFETY: a valid termios for an open terminal fd.
    unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) };
    Some(saved)
}

fn restore(fd: libc::c_int, termios: &libc::termios) {
    // SAFETY: the settings tcgetattr returned for this fd.
    unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, termios) };
}
