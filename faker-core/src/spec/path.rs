//! Where we are inside a query or a state, as a linked list on the stack.
//!
//! Parsing, merging and evaluation all descend recursively and only sometimes need to *name* the
//! place they are at (in an error, or when asking a [`Resolver`](super::Resolver) about a
//! field). A [`Loc`] costs nothing to extend — each level borrows its parent — and is rendered
//! into a `String` only when a name is actually needed.

use std::fmt::Write as _;

/// One step of a [`Loc`].
#[derive(Clone, Copy, Debug)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// A position: the root, or a parent position plus one object key or array index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loc<'a> {
    parent: Option<&'a Loc<'a>>,
    step: Step<'a>,
}

impl Loc<'static> {
    /// The root of the document.
    pub(crate) const ROOT: Loc<'static> = Loc {
        parent: None,
        step: Step::Root,
    };
}

impl<'a> Loc<'a> {
    /// The member `key` of the object at `self`.
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> Loc<'b> {
        Loc {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    /// The element `index` of the array at `self`.
    pub(crate) fn index<'b>(&'b self, index: usize) -> Loc<'b> {
        Loc {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// The steps from the root down to `self`.
    fn steps(&self) -> Vec<Step<'a>> {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(loc) = at {
            if !matches!(loc.step, Step::Root) {
                steps.push(loc.step);
            }
            at = loc.parent;
        }
        steps.reverse();
        steps
    }

    /// A JSON pointer (RFC 6901): `""` for the root, `/author_id/$in/0` below it.
    pub(crate) fn pointer(&self) -> String {
        let mut out = String::new();
        for step in self.steps() {
            out.push('/');
            match step {
                Step::Root => {}
                Step::Key(key) => {
                    for c in key.chars() {
                        match c {
                            '~' => out.push_str("~0"),
                            '/' => out.push_str("~1"),
                            c => out.push(c),
                        }
                    }
                }
                Step::Index(index) => {
                    // Writing into a String cannot fail.
                    let _ = write!(out, "{index}");
                }
            }
        }
        out
    }

    /// The object keys joined with `.`: `""` for the root, `id.tenant_id` below it.
    pub(crate) fn dotted(&self) -> String {
        let mut out = String::new();
        for step in self.steps() {
            if let Step::Key(key) = step {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
        out
    }
}

/// How a JSON pointer is shown in a message: the root, which is the empty pointer, reads `(root)`.
pub(crate) fn show(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_renders_empty() {
        assert_eq!(Loc::ROOT.pointer(), "");
        assert_eq!(Loc::ROOT.dotted(), "");
        assert_eq!(show(""), "(root)");
    }

    #[test]
    fn nested_pointer_escapes_and_dotted_skips_indices() {
        let a = Loc::ROOT.key("a/b");
        let b = a.key("$or");
        let c = b.index(1);
        let d = c.key("x~y");
        assert_eq!(d.pointer(), "/a~1b/$or/1/x~0y");
        assert_eq!(d.dotted(), "a/b.$or.x~y");
        assert_eq!(show("/a"), "/a");
    }
}
