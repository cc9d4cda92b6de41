//! JSON Logic (jsonlogic.com) rules compiled once and evaluated in bounded time, so campaign
//! targeting can be decided in the browser.
//!
//! The semantics are json-logic-js 2.0's, JavaScript's coercions included: `"0"` is truthy and
//! `[]` falsy, `==` is JavaScript's loose equality, `{"+": "3"}` casts to a number, strings are
//! measured in UTF-16 code units as JavaScript measures them. Where this differs from
//! json-logic-js, it is on purpose and listed here:
//!
//! - Operators are resolved by [`Rule::compile`]: an unknown one is refused there, with its path
//!   in the rule, even in a branch that would never run. `log` returns its argument and prints
//!   nothing (this crate knows nothing of the browser's console).
//! - Two arrays or objects are never equal (`==`, `===`, `in` over an array): JavaScript compares
//!   them by reference, and a value built by a rule is always a new one. json-logic-js says
//!   `true` only for the very same array reached twice through `var`.
//! - Numbers that are not whole print with at most 15 significant digits (`cat`, `var` paths,
//!   `in` on a string): `0.1 + 0.2` prints `0.3`, where JavaScript prints `0.30000000000000004`.
//!   Every number written with up to 15 significant digits, from 1e-100 to 1e100, prints as
//!   JavaScript prints it. JavaScript's shortest-representation printer would cost kilobytes of
//!   tables in the Wasm.
//!
//! json-logic-js quirks kept, because rules written for it must mean the same here: `reduce`'s
//! initial value is taken as written, not evaluated; `{"*": [x]}` is `x` unchanged; `{"*": []}`
//! is an error (JavaScript throws), as is `missing_some` without a list of keys.
//!
//! Bounds, so a hostile or mistaken rule cannot freeze the page: a rule nests at most
//! [`MAX_DEPTH`] levels (checked once, at compile time), an evaluation takes at most
//! [`STEP_BUDGET`] steps (an operator, or a value copied or read through), and values built
//! while evaluating nest at most [`MAX_VALUE_DEPTH`] levels. Exceeding one is a [`LogicError`];
//! no walk recurses deeper than these bounds.
//!
//! Nothing here uses `core::fmt` or float parsing from core: numbers print and parse with the
//! small routines at the end of this file, as the agent's size budget requires.

use crate::problem::{index, join};
use crate::text::push_integer;
use crate::{text, Problem, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The deepest a rule's JSON may nest (objects and arrays), as deep as [`crate::json`] reads.
pub const MAX_DEPTH: usize = 64;

/// Steps one evaluation may take: each operator applied is one, each element of a value copied,
/// searched or converted to text one, and each 64 bytes of text read one. Campaign rules take
/// tens.
pub const STEP_BUDGET: usize = 10_000;

/// The deepest a value built or copied during an evaluation may nest. serde_json's own limit,
/// so any data the server or the CLI can read passes.
pub const MAX_VALUE_DEPTH: usize = 128;

/// A JSON Logic rule with its operators resolved, ready to evaluate against any data.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    root: Node,
}

/// Why an evaluation stopped without a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicError {
    /// The evaluation needed more than [`STEP_BUDGET`] steps.
    TooManySteps,
    /// A value to copy or convert nests deeper than [`MAX_VALUE_DEPTH`].
    TooDeep,
    /// `*` with no operands, which json-logic-js throws on.
    NothingToMultiply,
    /// `missing_some` without a list of keys, which json-logic-js throws on.
    NoKeys,
}

impl LogicError {
    /// The error in plain words, for a console or the CLI.
    pub fn message(self) -> &'static str {
        match self {
            LogicError::TooManySteps => "the rule needs more than 10000 steps for this data",
            LogicError::TooDeep => "a value nests deeper than 128 levels",
            LogicError::NothingToMultiply => "* needs at least one operand",
            LogicError::NoKeys => "missing_some needs a list of keys",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// A value with no operator inside, used as it is, with what reading it costs in steps
    /// (as much as copying it cost: [`weight`]).
    Literal(Value, usize),
    /// An array with operators inside: each element is evaluated.
    List(Vec<Node>),
    /// `var` with a path written as text (`{"var": "cart.total"}`, `{"var": ["a.b", 0]}`), the
    /// common case, read without going through its operand: `charge` is what evaluating the
    /// path's literal cost, `rest` the operands after it (the default first).
    Var {
        path: String,
        charge: usize,
        rest: Vec<Node>,
    },
    Apply(Op, Vec<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Var,
    Missing,
    MissingSome,
    If,
    Equal,
    StrictEqual,
    NotEqual,
    StrictNotEqual,
    Not,
    Truthy,
    Or,
    And,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Max,
    Min,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    In,
    Cat,
    Substr,
    Merge,
    Map,
    Filter,
    Reduce,
    All,
    None,
    Some,
    Log,
}

/// Every operator by name; a table is a fraction of the code a `match` on strings becomes.
const OPERATORS: [(&str, Op); 35] = [
    ("var", Op::Var),
    ("missing", Op::Missing),
    ("missing_some", Op::MissingSome),
    ("if", Op::If),
    ("?:", Op::If),
    ("==", Op::Equal),
    ("===", Op::StrictEqual),
    ("!=", Op::NotEqual),
    ("!==", Op::StrictNotEqual),
    ("!", Op::Not),
    ("!!", Op::Truthy),
    ("or", Op::Or),
    ("and", Op::And),
    (">", Op::Greater),
    (">=", Op::GreaterOrEqual),
    ("<", Op::Less),
    ("<=", Op::LessOrEqual),
    ("max", Op::Max),
    ("min", Op::Min),
    ("+", Op::Add),
    ("-", Op::Subtract),
    ("*", Op::Multiply),
    ("/", Op::Divide),
    ("%", Op::Remainder),
    ("in", Op::In),
    ("cat", Op::Cat),
    ("substr", Op::Substr),
    ("merge", Op::Merge),
    ("map", Op::Map),
    ("filter", Op::Filter),
    ("reduce", Op::Reduce),
    ("all", Op::All),
    ("none", Op::None),
    ("some", Op::Some),
    ("log", Op::Log),
];

impl Rule {
    /// Resolves every operator in `rule`. A problem's path is the JSON path inside the rule
    /// (`and[1].foo` for the `foo` of `{"and": [true, {"foo": 1}]}`).
    pub fn compile(rule: &Value) -> Result<Rule, Problem> {
        Ok(Rule { root: compile(rule, "", 0)? })
    }

    /// Applies the rule to `data`, within [`STEP_BUDGET`] steps.
    pub fn evaluate(&self, data: &Value) -> Result<Value, LogicError> {
        let mut run = Run { steps_left: STEP_BUDGET };
        run.eval(&self.root, data).map(Cow::into_owned)
    }

    /// Whether the rule holds for `data` ([`truthy`] of [`Rule::evaluate`]'s result), without
    /// copying the result out.
    pub fn holds(&self, data: &Value) -> Result<bool, LogicError> {
        let mut run = Run { steps_left: STEP_BUDGET };
        run.eval(&self.root, data).map(|result| truthy(&result))
    }
}

/// JSON Logic's truthiness: JavaScript's, except that an empty array is false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(_) => true,
    }
}

fn too_deep(path: &str) -> Problem {
    Problem::new(path, text!("nests deeper than ", MAX_DEPTH, " levels"))
}

/// `depth` counts the arrays and objects around `value`.
fn compile(value: &Value, path: &str, depth: usize) -> Result<Node, Problem> {
    match value {
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(path));
            }
            let mut nodes = Vec::with_capacity(items.len());
            for (position, item) in items.iter().enumerate() {
                nodes.push(compile(item, &index(path, position), depth + 1)?);
            }
            if nodes.iter().all(|node| matches!(node, Node::Literal(..))) {
                Ok(literal(value))
            } else {
                Ok(Node::List(nodes))
            }
        }
        // As in json-logic-js, only an object with exactly one key is an operator.
        Value::Object(fields) if fields.len() == 1 => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(path));
            }
            let (name, operands) = &fields[0];
            let path = join(path, name);
            let Some(&(_, op)) = OPERATORS.iter().find(|(known, _)| known == name) else {
                return Err(Problem::new(path, text!("unsupported operator \"", name, "\"")));
            };
            let operands = match operands {
                Value::Array(items) => {
                    if depth + 1 >= MAX_DEPTH {
                        return Err(too_deep(&path));
                    }
                    let mut nodes = Vec::with_capacity(items.len());
                    for (position, item) in items.iter().enumerate() {
                        let item_path = index(&path, position);
                        nodes.push(if op == Op::Reduce && position == 2 {
                            // json-logic-js takes reduce's initial value as written.
                            check_depth(item, &item_path, depth + 2)?;
                            literal(item)
                        } else {
                            compile(item, &item_path, depth + 2)?
                        });
                    }
                    nodes
                }
                single => vec![compile(single, &path, depth + 1)?],
            };
            if let (Op::Var, Some(Node::Literal(Value::String(path), weight))) =
                (op, operands.first())
            {
                if !path.is_empty() {
                    let (path, charge) = (path.clone(), 1 + weight);
                    let rest = operands.into_iter().skip(1).collect();
                    return Ok(Node::Var { path, charge, rest });
                }
            }
            Ok(Node::Apply(op, operands))
        }
        Value::Object(_) => {
            check_depth(value, path, depth)?;
            Ok(literal(value))
        }
        _ => Ok(literal(value)),
    }
}

fn literal(value: &Value) -> Node {
    Node::Literal(value.clone(), weight(value))
}

/// The steps [`Run::weigh`] charges for `value`: one per element, one per 64 bytes of text.
/// Literals are weighed once, when compiled (their depth is bounded there, so is this walk).
fn weight(value: &Value) -> usize {
    1 + match value {
        Value::String(text) => text.len() / 64,
        Value::Array(items) => items.iter().map(weight).sum(),
        Value::Object(fields) => fields.iter().map(|(_, value)| weight(value)).sum(),
        _ => 0,
    }
}

/// Refuses a literal nested too deeply, before anything copies it (copies recurse).
fn check_depth(value: &Value, path: &str, depth: usize) -> Result<(), Problem> {
    match value {
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => Err(too_deep(path)),
        Value::Array(items) => items.iter().try_for_each(|item| check_depth(item, path, depth + 1)),
        Value::Object(fields) => {
            fields.iter().try_for_each(|(_, value)| check_depth(value, path, depth + 1))
        }
        _ => Ok(()),
    }
}

/// `undefined` (an operand left out) is `None`: it differs from `null` in JavaScript's `==`,
/// number conversion and `String()`.
type Operand<'v> = Option<&'v Value>;

/// A value as JavaScript's comparisons see it after `ToPrimitive`.
enum Primitive<'v> {
    Number(f64),
    Text(Cow<'v, str>),
}

/// An operator's operands, evaluated: the first three in place, so the common operators
/// (comparisons, `in`, `!`) allocate nothing; any more in a list. Walked by position, where
/// iterator adapters cost more code than they save.
#[derive(Default)]
struct Values<'a> {
    first: [Option<Cow<'a, Value>>; 3],
    rest: Vec<Cow<'a, Value>>,
    len: usize,
}

impl<'a> Values<'a> {
    fn push(&mut self, value: Cow<'a, Value>) {
        match self.first.get_mut(self.len) {
            Some(slot) => *slot = Some(value),
            None => self.rest.push(value),
        }
        self.len += 1;
    }

    fn get(&self, position: usize) -> Operand<'_> {
        match self.first.get(position) {
            Some(slot) => slot.as_deref(),
            None => self.rest.get(position - 3).map(|value| &**value),
        }
    }

    /// The operand at `position`, taken out (`null` is left in its place).
    fn take(&mut self, position: usize) -> Option<Cow<'a, Value>> {
        match self.first.get_mut(position) {
            Some(slot) => slot.take(),
            None => (self.rest.get_mut(position - 3))
                .map(|value| std::mem::replace(value, Cow::Owned(Value::Null))),
        }
    }
}

/// One evaluation: what is left of its step budget.
struct Run {
    steps_left: usize,
}

impl Run {
    fn step(&mut self, cost: usize) -> Result<(), LogicError> {
        match self.steps_left.checked_sub(cost) {
            Some(left) => {
                self.steps_left = left;
                Ok(())
            }
            None => Err(LogicError::TooManySteps),
        }
    }

    /// Charges for reading through a text: a step per 64 bytes, so that a loop over long texts
    /// from the data is bounded by their length too.
    fn read(&mut self, text: &str) -> Result<(), LogicError> {
        self.step(text.len() / 64)
    }

    /// Evaluates `node` over `data`. What the rule or the data already holds comes back
    /// borrowed, so reading a `var` or a literal copies nothing; it is charged as if copied
    /// ([`Run::weigh`]), so the budget means what it always meant.
    fn eval<'a>(&mut self, node: &'a Node, data: &'a Value) -> Result<Cow<'a, Value>, LogicError> {
        self.step(1)?;
        match node {
            Node::Literal(value, weight) => {
                self.step(*weight)?;
                Ok(Cow::Borrowed(value))
            }
            Node::List(nodes) => {
                let mut items = Vec::with_capacity(nodes.len());
                for node in nodes {
                    items.push(self.eval(node, data)?.into_owned());
                }
                Ok(Cow::Owned(Value::Array(items)))
            }
            Node::Var { path, charge, rest } => {
                // Charged as `Apply(Var, ..)` charges: the path's literal, the other operands,
                // the path read, then what is found.
                self.step(*charge)?;
                let mut default = None;
                for node in rest {
                    let value = self.eval(node, data)?;
                    default.get_or_insert(value);
                }
                self.read(path)?;
                self.found(walk(data, path), default)
            }
            Node::Apply(op, operands) => self.apply(*op, operands, data),
        }
    }

    /// `var`'s result: what the path found, charged as the copy it once was (a length or a
    /// character is made, not copied), else the default, else `null`.
    fn found<'a>(
        &mut self,
        found: Option<Cow<'a, Value>>,
        default: Option<Cow<'a, Value>>,
    ) -> Result<Cow<'a, Value>, LogicError> {
        match found {
            Some(Cow::Borrowed(found)) => {
                self.weigh(found, 0)?;
                Ok(Cow::Borrowed(found))
            }
            Some(made) => Ok(made),
            None => Ok(default.unwrap_or(Cow::Owned(Value::Null))),
        }
    }

    fn is_true(&mut self, node: &Node, data: &Value) -> Result<bool, LogicError> {
        Ok(truthy(&*self.eval(node, data)?))
    }

    /// Charges a step per element of `value` (and per 64 bytes of text), refusing nesting
    /// beyond [`MAX_VALUE_DEPTH`]; called before a value is copied or handed on, so copies are
    /// paid for and never recurse without bound.
    fn weigh(&mut self, value: &Value, depth: usize) -> Result<(), LogicError> {
        if depth > MAX_VALUE_DEPTH {
            return Err(LogicError::TooDeep);
        }
        self.step(1)?;
        match value {
            Value::String(text) => self.read(text),
            Value::Array(items) => items.iter().try_for_each(|item| self.weigh(item, depth + 1)),
            Value::Object(fields) => {
                fields.iter().try_for_each(|(_, value)| self.weigh(value, depth + 1))
            }
            _ => Ok(()),
        }
    }

    fn copy(&mut self, value: &Value) -> Result<Value, LogicError> {
        self.weigh(value, 0)?;
        Ok(value.clone())
    }

    fn apply<'a>(
        &mut self,
        op: Op,
        operands: &'a [Node],
        data: &'a Value,
    ) -> Result<Cow<'a, Value>, LogicError> {
        match op {
            // `if`, `and`, `or` and the array operators evaluate their operands themselves.
            Op::If => {
                let mut pairs = operands.chunks_exact(2);
                for pair in pairs.by_ref() {
                    if self.is_true(&pair[0], data)? {
                        return self.eval(&pair[1], data);
                    }
                }
                match pairs.remainder().first() {
                    Some(otherwise) => self.eval(otherwise, data),
                    None => Ok(Cow::Owned(Value::Null)),
                }
            }
            Op::And | Op::Or => {
                let mut last = Cow::Owned(Value::Null);
                for operand in operands {
                    last = self.eval(operand, data)?;
                    if truthy(&last) == (op == Op::Or) {
                        break;
                    }
                }
                Ok(last)
            }
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::None | Op::Some => {
                self.over_array(op, operands, data).map(Cow::Owned)
            }
            _ => {
                let mut values = Values::default();
                for operand in operands {
                    values.push(self.eval(operand, data)?);
                }
                self.compute(op, values, data)
            }
        }
    }

    /// `map`, `filter`, `reduce`, `all`, `none`, `some`: the second operand is evaluated with
    /// each element of the first as its data.
    fn over_array(&mut self, op: Op, operands: &[Node], data: &Value) -> Result<Value, LogicError> {
        static UNDEFINED: Node = Node::Literal(Value::Null, 1);
        let items = match operands.first() {
            Some(node) => self.eval(node, data)?,
            None => Cow::Owned(Value::Null),
        };
        let logic = operands.get(1).unwrap_or(&UNDEFINED);
        let items: &[Value] = match &*items {
            Value::Array(items) => items,
            _ => &[],
        };
        // One loop for the six: they differ only in what they keep and when they stop.
        let mut accumulator = match (op, operands.get(2)) {
            (Op::Reduce, Some(Node::Literal(initial, _))) => self.copy(initial)?,
            _ => Value::Null,
        };
        let mut kept = Vec::new();
        for item in items {
            match op {
                Op::Map => kept.push(self.eval(logic, item)?.into_owned()),
                Op::Reduce => {
                    let scope = Value::Object(vec![
                        ("current".into(), self.copy(item)?),
                        ("accumulator".into(), accumulator),
                    ]);
                    accumulator = self.eval(logic, &scope)?.into_owned();
                }
                Op::Filter => {
                    if self.is_true(logic, item)? {
                        kept.push(self.copy(item)?);
                    }
                }
                // `all` stops at the first false element, `some` and `none` at the first true.
                _ => {
                    if self.is_true(logic, item)? != (op == Op::All) {
                        return Ok(Value::Bool(op == Op::Some));
                    }
                }
            }
        }
        Ok(match op {
            Op::Reduce => accumulator,
            Op::Map | Op::Filter => Value::Array(kept),
            // All of no elements is false, as in json-logic-js.
            _ => Value::Bool(op == Op::None || (op == Op::All && !items.is_empty())),
        })
    }

    /// The operators that take their operands evaluated, in order.
    fn compute<'a>(
        &mut self,
        op: Op,
        mut values: Values<'a>,
        data: &'a Value,
    ) -> Result<Cow<'a, Value>, LogicError> {
        let arg = |position: usize| values.get(position);
        let number = Value::Number;
        let result = match op {
            Op::Var => {
                let found = self.lookup(data, arg(0))?;
                return self.found(found, values.take(1));
            }
            Op::Log => return Ok(values.take(0).unwrap_or(Cow::Owned(Value::Null))),
            // JavaScript's reduce without an initial value: one operand comes back unchanged,
            // none is an error.
            Op::Multiply if values.len < 2 => {
                return values.take(0).ok_or(LogicError::NothingToMultiply);
            }
            Op::Missing => {
                let operands: Vec<&Value> = (0..values.len).filter_map(arg).collect();
                Value::Array(self.missing(&operands, data)?)
            }
            Op::MissingSome => self.missing_some(arg(0), arg(1), data)?,
            Op::Equal | Op::NotEqual => {
                Value::Bool(self.loosely_equal(arg(0), arg(1))? == (op == Op::Equal))
            }
            Op::StrictEqual | Op::StrictNotEqual => {
                Value::Bool(strictly_equal(arg(0), arg(1)) == (op == Op::StrictEqual))
            }
            Op::Not => Value::Bool(!arg(0).is_some_and(truthy)),
            Op::Truthy => Value::Bool(arg(0).is_some_and(truthy)),
            Op::Greater | Op::GreaterOrEqual | Op::Less | Op::LessOrEqual => {
                // a > b is b < a. The three-operand forms of < and <= ask whether the middle
                // one lies between the others; > and >= take two.
                let greater = matches!(op, Op::Greater | Op::GreaterOrEqual);
                let or_equal = matches!(op, Op::GreaterOrEqual | Op::LessOrEqual);
                let (low, high) = if greater { (arg(1), arg(0)) } else { (arg(0), arg(1)) };
                let mut result = self.less(low, high, or_equal)?;
                if result && !greater && values.len > 2 {
                    result = self.less(arg(1), arg(2), or_equal)?;
                }
                Value::Bool(result)
            }
            Op::Max | Op::Min => {
                let max = op == Op::Max;
                let mut result = if max { f64::NEG_INFINITY } else { f64::INFINITY };
                for value in (0..values.len).filter_map(arg) {
                    let n = self.number_of(Some(value))?;
                    // Math.max: any NaN wins, and +0 is greater than -0.
                    let better = if max { n > result } else { n < result };
                    if n.is_nan() || better || (n == result && result.is_sign_negative() == max) {
                        result = n;
                    }
                    if result.is_nan() {
                        break;
                    }
                }
                number(result)
            }
            Op::Add => {
                let mut sum = 0.0;
                for value in (0..values.len).filter_map(arg) {
                    sum += self.parse_float(value)?;
                }
                number(sum)
            }
            Op::Multiply => {
                let mut product = 1.0;
                for value in (0..values.len).filter_map(arg) {
                    product *= self.parse_float(value)?;
                }
                number(product)
            }
            Op::Subtract if values.len < 2 => number(-self.number_of(arg(0))?),
            Op::Subtract => number(self.number_of(arg(0))? - self.number_of(arg(1))?),
            Op::Divide => number(self.number_of(arg(0))? / self.number_of(arg(1))?),
            Op::Remainder => number(remainder(self.number_of(arg(0))?, self.number_of(arg(1))?)),
            Op::In => Value::Bool(match arg(1) {
                Some(Value::String(text)) if !text.is_empty() => {
                    let needle = self.text_of(arg(0))?;
                    // Each 64 bytes of the needle compared at each place in the text.
                    self.step((text.len() / 64) * (1 + needle.len() / 64))?;
                    contains(text, &needle)
                }
                Some(Value::Array(items)) => {
                    self.step(items.len())?;
                    items.iter().any(|item| strictly_equal(arg(0), Some(item)))
                }
                _ => false,
            }),
            Op::Cat => {
                let mut out = String::new();
                for value in (0..values.len).filter_map(arg) {
                    self.push_joined(&mut out, value, 0)?;
                }
                self.read(&out)?;
                Value::String(out)
            }
            Op::Substr => self.substr(arg(0), arg(1), arg(2))?,
            Op::Merge => {
                let mut merged = Vec::new();
                for position in 0..values.len {
                    match values.take(position).map_or(Value::Null, Cow::into_owned) {
                        Value::Array(items) => merged.extend(items),
                        other => merged.push(other),
                    }
                }
                Value::Array(merged)
            }
            // Evaluated by `apply` and `over_array`.
            Op::If
            | Op::And
            | Op::Or
            | Op::Map
            | Op::Filter
            | Op::Reduce
            | Op::All
            | Op::None
            | Op::Some => Value::Null,
        };
        Ok(Cow::Owned(result))
    }

    /// `var`: `key` is a dotted path (`pie.filling`, `items.0`, `items.length`); left out,
    /// `null` or `""`, the whole data. `None` when the path leads nowhere.
    fn lookup<'a>(
        &mut self,
        data: &'a Value,
        key: Operand<'_>,
    ) -> Result<Option<Cow<'a, Value>>, LogicError> {
        let path = match key {
            None | Some(Value::Null) => return Ok(Some(Cow::Borrowed(data))),
            Some(Value::String(path)) if path.is_empty() => return Ok(Some(Cow::Borrowed(data))),
            Some(key) => self.text_of(Some(key))?,
        };
        Ok(walk(data, &path))
    }

    /// `missing`: the keys (the operands, or the first operand when it is an array) whose
    /// `var` is `null` or `""`.
    fn missing(&mut self, operands: &[&Value], data: &Value) -> Result<Vec<Value>, LogicError> {
        let keys: Vec<&Value> = match operands.first() {
            Some(Value::Array(keys)) => keys.iter().collect(),
            _ => operands.to_vec(),
        };
        let mut missing = Vec::new();
        for key in keys {
            self.step(1)?;
            let absent = match self.lookup(data, Some(key))? {
                None => true,
                Some(found) => match &*found {
                    Value::Null => true,
                    Value::String(text) => text.is_empty(),
                    _ => false,
                },
            };
            if absent {
                missing.push(self.copy(key)?);
            }
        }
        Ok(missing)
    }

    /// `missing_some`: nothing when at least `need` of `options` are present, else the missing.
    fn missing_some(
        &mut self,
        need: Operand<'_>,
        options: Operand<'_>,
        data: &Value,
    ) -> Result<Value, LogicError> {
        let (keys, count): (Vec<&Value>, f64) = match options {
            Some(Value::Array(items)) => (items.iter().collect(), items.len() as f64),
            Some(text @ Value::String(chars)) => (vec![text], utf16_len(chars) as f64),
            None | Some(Value::Null) => {
                return Err(LogicError::NoKeys);
            }
            Some(other) => (vec![other], f64::NAN),
        };
        let missing = self.missing(&keys, data)?;
        let present = Value::Number(count - missing.len() as f64);
        let enough = self.less(need, Some(&present), true)?;
        Ok(Value::Array(if enough { Vec::new() } else { missing }))
    }

    /// `String.prototype.substr(start, length)`, with json-logic-js's negative length meaning
    /// "stop that many characters before the end".
    fn substr(
        &mut self,
        source: Operand<'_>,
        start: Operand<'_>,
        length: Operand<'_>,
    ) -> Result<Value, LogicError> {
        let source = self.text_of(source)?;
        let size = utf16_len(&source) as f64;
        let start = integer(self.number_of(start)?);
        let from = if start < 0.0 { (size + start).max(0.0) } else { start.min(size) };
        let rest = size - from;
        let take = match length {
            None => rest,
            // json-logic-js adds the negative length to the rest's length; for a string or an
            // array that `+` concatenates text, which reads as 0.
            Some(Value::String(_) | Value::Array(_)) if self.is_negative(length)? => 0.0,
            Some(value) => {
                let length = self.number_of(Some(value))?;
                let wanted = if length < 0.0 { integer(rest + length) } else { integer(length) };
                wanted.clamp(0.0, rest)
            }
        };
        let from = from as usize;
        Ok(Value::String(utf16_slice(&source, from, from + take as usize)))
    }

    fn is_negative(&mut self, value: Operand<'_>) -> Result<bool, LogicError> {
        self.less(value, Some(&Value::Number(0.0)), false)
    }

    /// JavaScript's `a < b` (`a <= b` with `or_equal`).
    fn less(&mut self, a: Operand<'_>, b: Operand<'_>, or_equal: bool) -> Result<bool, LogicError> {
        Ok(match self.compare(a, b)? {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => or_equal,
            _ => false,
        })
    }

    /// JavaScript's `ToPrimitive`: arrays as their joined text, objects as `[object Object]`.
    fn primitive<'v>(&mut self, value: Operand<'v>) -> Result<Primitive<'v>, LogicError> {
        Ok(match value {
            None => Primitive::Number(f64::NAN),
            Some(Value::Null) => Primitive::Number(0.0),
            Some(Value::Bool(b)) => Primitive::Number(f64::from(u8::from(*b))),
            Some(Value::Number(n)) => Primitive::Number(*n),
            Some(Value::String(text)) => {
                self.read(text)?;
                Primitive::Text(Cow::Borrowed(text))
            }
            Some(value) => Primitive::Text(self.text_of(Some(value))?),
        })
    }

    /// JavaScript's `Number(value)`.
    fn number_of(&mut self, value: Operand<'_>) -> Result<f64, LogicError> {
        Ok(match self.primitive(value)? {
            Primitive::Number(n) => n,
            Primitive::Text(text) => string_to_number(&text),
        })
    }

    /// JavaScript's `parseFloat(value)`: the number at the start of its text.
    fn parse_float(&mut self, value: &Value) -> Result<f64, LogicError> {
        Ok(match value {
            Value::Number(n) => *n,
            Value::String(text) => {
                self.read(text)?;
                parse_float(text)
            }
            Value::Array(_) => parse_float(&self.text_of(Some(value))?),
            _ => f64::NAN, // "null", "true", "[object Object]"
        })
    }

    /// JavaScript's `a < b` family: strings by UTF-16 code units, anything else as numbers;
    /// `None` when a NaN makes every comparison false.
    fn compare(&mut self, a: Operand<'_>, b: Operand<'_>) -> Result<Option<Ordering>, LogicError> {
        Ok(match (self.primitive(a)?, self.primitive(b)?) {
            (Primitive::Text(a), Primitive::Text(b)) => {
                Some(a.encode_utf16().cmp(b.encode_utf16()))
            }
            (a, b) => {
                let number = |primitive: Primitive<'_>| match primitive {
                    Primitive::Number(n) => n,
                    Primitive::Text(text) => string_to_number(&text),
                };
                number(a).partial_cmp(&number(b))
            }
        })
    }

    /// JavaScript's `a == b`.
    fn loosely_equal(&mut self, a: Operand<'_>, b: Operand<'_>) -> Result<bool, LogicError> {
        let is_nullish = |value: Operand<'_>| matches!(value, None | Some(Value::Null));
        let is_object =
            |value: Operand<'_>| matches!(value, Some(Value::Array(_) | Value::Object(_)));
        if is_nullish(a) || is_nullish(b) {
            return Ok(is_nullish(a) && is_nullish(b));
        }
        if is_object(a) && is_object(b) {
            return Ok(false);
        }
        Ok(match (self.primitive(a)?, self.primitive(b)?) {
            (Primitive::Text(a), Primitive::Text(b)) => a == b,
            (Primitive::Number(a), Primitive::Text(b))
            | (Primitive::Text(b), Primitive::Number(a)) => a == string_to_number(&b),
            (Primitive::Number(a), Primitive::Number(b)) => a == b,
        })
    }

    /// JavaScript's `String(value)`.
    fn text_of<'v>(&mut self, value: Operand<'v>) -> Result<Cow<'v, str>, LogicError> {
        Ok(match value {
            None => Cow::Borrowed("undefined"),
            Some(Value::String(text)) => {
                self.read(text)?;
                Cow::Borrowed(text)
            }
            Some(value) => {
                let mut out = String::new();
                match value {
                    Value::Null => out.push_str("null"),
                    _ => self.push_joined(&mut out, value, 0)?,
                }
                Cow::Owned(out)
            }
        })
    }

    /// `value` as `Array.prototype.join` writes an element: `null` as nothing, arrays joined
    /// with commas, objects as `[object Object]`.
    fn push_joined(
        &mut self,
        out: &mut String,
        value: &Value,
        depth: usize,
    ) -> Result<(), LogicError> {
        self.step(1)?;
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => push_number(out, *n),
            Value::String(text) => {
                self.read(text)?;
                out.push_str(text);
            }
            Value::Array(items) => {
                if depth >= MAX_VALUE_DEPTH {
                    return Err(LogicError::TooDeep);
                }
                for (position, item) in items.iter().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    self.push_joined(out, item, depth + 1)?;
                }
            }
            Value::Object(_) => out.push_str("[object Object]"),
        }
        Ok(())
    }
}

/// JavaScript's `a === b`, where two arrays or objects are never the same one.
fn strictly_equal(a: Operand<'_>, b: Operand<'_>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Null), Some(Value::Null)) => true,
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a == b,
        (Some(Value::Number(a)), Some(Value::Number(b))) => a == b,
        (Some(Value::String(a)), Some(Value::String(b))) => a == b,
        _ => false,
    }
}

/// `data` followed along a dotted `path`; `None` when it leads nowhere.
fn walk<'a>(data: &'a Value, path: &str) -> Option<Cow<'a, Value>> {
    let (mut current, mut rest) = (Cow::Borrowed(data), path);
    loop {
        // Up to the next dot, found byte by byte (a dot is never part of a longer character):
        // `split('.')`'s searcher showed in the Wasm's profile of a decision.
        let end = rest.bytes().position(|byte| byte == b'.').unwrap_or(rest.len());
        let name = &rest[..end];
        current = match current {
            Cow::Borrowed(value) => property(value, name)?,
            // A length or a character: their properties are characters and lengths again.
            Cow::Owned(value) => Cow::Owned(property(&value, name)?.into_owned()),
        };
        match rest.get(end + 1..) {
            Some(after) => rest = after,
            None => return Some(current),
        }
    }
}

/// `value[name]` in JavaScript, for what data can hold: object fields, array elements and
/// lengths, string characters and lengths (in UTF-16 code units).
fn property<'a>(value: &'a Value, name: &str) -> Option<Cow<'a, Value>> {
    match value {
        Value::Object(fields) => {
            fields.iter().find(|(key, _)| key == name).map(|(_, value)| Cow::Borrowed(value))
        }
        Value::Array(items) if name == "length" => {
            Some(Cow::Owned(Value::Number(items.len() as f64)))
        }
        Value::Array(items) => items.get(array_index(name)?).map(Cow::Borrowed),
        Value::String(text) if name == "length" => {
            Some(Cow::Owned(Value::Number(utf16_len(text) as f64)))
        }
        Value::String(text) => {
            let at = array_index(name)?;
            (at < utf16_len(text)).then(|| Cow::Owned(Value::String(utf16_slice(text, at, at + 1))))
        }
        _ => None,
    }
}

/// A text's length as JavaScript counts it, in UTF-16 code units.
fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The UTF-16 code units `from..to` of `text`, as JavaScript slices; half of a surrogate pair
/// becomes U+FFFD, as it does when JavaScript hands such a string to the Wasm.
fn utf16_slice(text: &str, from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut at = 0;
    for c in text.chars() {
        let end = at + c.len_utf16();
        if from <= at && end <= to {
            out.push(c);
        } else if at < to && end > from {
            out.push('\u{FFFD}');
        }
        at = end;
    }
    out
}

/// Whether `needle` occurs in `haystack`: byte by byte, which for the short texts of
/// targeting rules is as quick as core's two-way search and a fraction of its code.
fn contains(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack.as_bytes().windows(needle.len()).any(|part| part == needle.as_bytes())
}

/// An array index as JavaScript writes it: `0`, `12`, never `012` or `+1`.
fn array_index(name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 9 || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    bytes
        .iter()
        .try_fold(0usize, |n, &b| b.is_ascii_digit().then(|| n * 10 + usize::from(b - b'0')))
}

/// JavaScript's `x % y`: IEEE `fmod`, exact, with the sign of the dividend and NaN for `x % 0`
/// or an infinite `x`. Rust's `%` is the same function, but in the Wasm it is compiler-builtins'
/// `fmod`, which divides in 128 bits and so brought the 128-bit division along (2 KB); this is
/// the long division of the two significands on 64-bit words, as musl writes it.
fn remainder(x: f64, y: f64) -> f64 {
    let (mut ux, mut uy) = (x.to_bits(), y.to_bits());
    let (mut ex, mut ey) = (((ux >> 52) & 0x7ff) as i32, ((uy >> 52) & 0x7ff) as i32);
    let sign = ux & (1 << 63);
    if uy << 1 == 0 || y.is_nan() || ex == 0x7ff {
        return f64::NAN;
    }
    if ux << 1 <= uy << 1 {
        // |x| < |y|: x itself; |x| = |y|: a zero with x's sign.
        return if ux << 1 == uy << 1 { 0.0 * x } else { x };
    }
    // The significands with their implicit bit; subnormals shifted up to the same form.
    if ex == 0 {
        ex -= (ux << 12).leading_zeros() as i32;
        ux <<= 1 - ex;
    } else {
        ux = (ux & (u64::MAX >> 12)) | (1 << 52);
    }
    if ey == 0 {
        ey -= (uy << 12).leading_zeros() as i32;
        uy <<= 1 - ey;
    } else {
        uy = (uy & (u64::MAX >> 12)) | (1 << 52);
    }
    loop {
        if ux >= uy {
            ux -= uy;
            if ux == 0 {
                return 0.0 * x;
            }
        }
        if ex == ey {
            break;
        }
        ux <<= 1;
        ex -= 1;
    }
    let shift = ux.leading_zeros() as i32 - 11;
    ux <<= shift;
    ex -= shift;
    if ex > 0 {
        ux = (ux - (1 << 52)) | ((ex as u64) << 52);
    } else {
        ux >>= 1 - ex;
    }
    f64::from_bits(ux | sign)
}

/// JavaScript's `ToIntegerOrInfinity`: NaN as 0, fractions cut towards zero.
fn integer(n: f64) -> f64 {
    if n.is_nan() {
        0.0
    } else {
        n.trunc()
    }
}

/// JavaScript's white space for `Number()` and `parseFloat` (Rust's, plus the byte-order mark).
fn is_js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// `text` without JavaScript's white space at its start, and at its end too with `both`. One
/// loop for `Number()` and `parseFloat`, where `trim_matches` and `trim_start_matches` each
/// brought a pattern searcher of their own into the Wasm.
fn trim_js_space(text: &str, both: bool) -> &str {
    let (mut start, mut end) = (text.len(), text.len());
    for (at, c) in text.char_indices() {
        if !is_js_space(c) {
            if start == text.len() {
                start = at;
                if !both {
                    break;
                }
            }
            end = at + c.len_utf8();
        }
    }
    if both {
        &text[start.min(end)..end]
    } else {
        &text[start..]
    }
}

/// JavaScript's `Number(text)`: white space around, empty as 0, `0x`/`0o`/`0b` integers,
/// decimals with an exponent, `Infinity`; anything else NaN.
fn string_to_number(text: &str) -> f64 {
    let text = trim_js_space(text, true);
    if text.is_empty() {
        return 0.0;
    }
    let radix = match text.get(..2) {
        Some("0x" | "0X") => 16,
        Some("0o" | "0O") => 8,
        Some("0b" | "0B") => 2,
        _ => 0,
    };
    if radix != 0 {
        let digits = &text[2..];
        let mut value = 0.0;
        for c in digits.chars() {
            match c.to_digit(radix) {
                Some(digit) => value = value * f64::from(radix) + f64::from(digit),
                None => return f64::NAN,
            }
        }
        return if digits.is_empty() { f64::NAN } else { value };
    }
    match decimal_prefix(text) {
        Some((value, used)) if used == text.len() => value,
        _ => f64::NAN,
    }
}

/// JavaScript's `parseFloat(text)`: the longest decimal at its start, else NaN.
fn parse_float(text: &str) -> f64 {
    decimal_prefix(trim_js_space(text, false)).map_or(f64::NAN, |(value, _)| value)
}

/// The longest decimal at the start of `text` (`-1.5e3`, `.5`, `7.`, `Infinity`) and the bytes
/// it takes. Digits gather in a `u64` scaled by a power of ten, as [`crate::json`] reads
/// numbers: exact up to 15 significant digits, without core's float parsing tables.
fn decimal_prefix(text: &str) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    let sign = if bytes.first() == Some(&b'-') { -1.0 } else { 1.0 };
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    if bytes[at..].starts_with(b"Infinity") {
        return Some((sign * f64::INFINITY, at + 8));
    }
    let (mut mantissa, mut exponent, mut digits, mut fraction) = (0u64, 0i32, 0usize, false);
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'0'..=b'9' => {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + u64::from(byte - b'0');
                    exponent -= i32::from(fraction);
                } else if !fraction {
                    exponent += 1;
                }
                digits += 1;
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        at += 1;
    }
    if digits == 0 {
        return None;
    }
    // An exponent counts only with its digits: "1e" and "1e+" read as 1.
    if let Some(b'e' | b'E') = bytes.get(at) {
        let mut end = at + 1;
        let negative = bytes.get(end) == Some(&b'-');
        end += usize::from(matches!(bytes.get(end), Some(b'+' | b'-')));
        let (start, mut power) = (end, 0i32);
        while let Some(&digit @ b'0'..=b'9') = bytes.get(end) {
            power = power.saturating_mul(10).saturating_add(i32::from(digit - b'0'));
            end += 1;
        }
        if end > start {
            exponent = exponent.saturating_add(if negative { -power } else { power });
            at = end;
        }
    }
    Some((sign * crate::json::scale(mantissa as f64, exponent), at))
}

/// Writes `n` as JavaScript's `String(n)` does, except that a number that is not whole keeps
/// at most 15 significant digits (see the module's notes).
fn push_number(out: &mut String, n: f64) {
    if n.is_nan() {
        return out.push_str("NaN");
    }
    if n == 0.0 {
        return out.push('0'); // -0 too
    }
    if n < 0.0 {
        out.push('-');
    }
    let x = n.abs();
    if x.is_infinite() {
        return out.push_str("Infinity");
    }
    if x.fract() == 0.0 && x < 9_007_199_254_740_992.0 {
        return push_integer(out, i128::from(x as u64));
    }
    let (digits, point) = significant_digits(x);
    let mut text = String::new();
    push_integer(&mut text, i128::from(digits));
    let count = text.len() as i32;
    let zeros = |out: &mut String, how_many: i32| (0..how_many).for_each(|_| out.push('0'));
    // The cases of ECMAScript's Number::toString, `point` being its n.
    if count <= point && point <= 21 {
        out.push_str(&text);
        zeros(out, point - count);
    } else if 0 < point && point <= 21 {
        let (whole, fraction) = text.split_at(point as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        zeros(out, -point);
        out.push_str(&text);
    } else {
        let (first, rest) = text.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push_str(if point > 0 { "e+" } else { "e-" });
        push_integer(out, i128::from((point - 1).abs()));
    }
}

/// `x` (finite, positive) rounded to 15 significant digits: the digits without trailing zeros,
/// and where the decimal point goes (`x = 0.digits × 10^point`).
fn significant_digits(x: f64) -> (u64, i32) {
    // Subnormal numbers are lifted first, so that the power of ten below stays finite.
    let (x, lifted) = if x < 1e-290 { (x * 1e40, 40) } else { (x, 0) };
    // Steps of 10^22, the largest exact power: one rounding per step, where `powi` squares
    // its rounding errors and would cost the 15th digit at the ends of the range.
    let times_ten_to = |mut power: i32| {
        let mut scaled = x;
        while power > 22 {
            scaled *= 1e22;
            power -= 22;
        }
        while power < -22 {
            scaled /= 1e22;
            power += 22;
        }
        if power >= 0 {
            scaled * 10f64.powi(power)
        } else {
            scaled / 10f64.powi(-power)
        }
    };
    // 10^e ≤ x < 10^(e+1), estimated from the binary exponent (78913 / 2^18 ≈ log10(2)) and
    // corrected by one when the estimate missed.
    let binary = ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let mut e = (binary * 78_913) >> 18;
    let mut scaled = times_ten_to(14 - e).round();
    if scaled >= 1e15 {
        e += 1;
        scaled = times_ten_to(14 - e).round();
    } else if scaled < 1e14 {
        e -= 1;
        scaled = times_ten_to(14 - e).round();
    }
    if scaled >= 1e15 {
        // 9.999…95 rounded up to the next power of ten.
        scaled = 1e14;
        e += 1;
    }
    let mut digits = scaled as u64;
    while digits % 10 == 0 {
        digits /= 10;
    }
    (digits, e + 1 - lifted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(n: f64) -> String {
        let mut out = String::new();
        push_number(&mut out, n);
        out
    }

    #[test]
    fn the_remainder_is_exactly_rusts_float_remainder() {
        // Natively Rust's `%` is the platform's exact fmod, which is JavaScript's `%`.
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            3.0,
            -7.5,
            0.1,
            0.3,
            10.0,
            1e22,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            2.225073858507201e-308,
            1e-310,
            5e-324,
            -5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        for &a in &specials {
            pairs.extend(specials.iter().map(|&b| (a, b)));
        }
        let mut state = 0x1234_5678_9abc_def1u64;
        for _ in 0..100_000 {
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let (a, b) = (f64::from_bits(next()), f64::from_bits(next()));
            // The same significand at a nearby exponent, where the division loops longest.
            let near = f64::from_bits((b.to_bits() & !(0x7ff << 52)) | ((next() % 2047) << 52));
            pairs.extend([(a, b), (a, near), (near, a)]);
        }
        for (x, y) in pairs {
            let (got, want) = (remainder(x, y), x % y);
            let same = (got.is_nan() && want.is_nan()) || got.to_bits() == want.to_bits();
            assert!(same, "{x:e} % {y:e}: {got:e}, not {want:e}");
        }
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-3.0, "-3"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-0.25, "-0.25"),
            (2.75, "2.75"),
            (19.99, "19.99"),
            (123.456, "123.456"),
            (1e-6, "0.000001"),
            (1.5e-7, "1.5e-7"),
            (1e-7, "1e-7"),
            (1e21, "1e+21"),
            (1.2345e25, "1.2345e+25"),
            (1e20, "100000000000000000000"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (123_456_789_012.5, "123456789012.5"),
            (0.000_123, "0.000123"),
            (1e-300, "1e-300"),
            (2.5e-320, "2.49997216795671e-320"), // JavaScript: 2.5e-320 (fewer bits than 15 digits)
            (1.7976931348623157e308, "1.79769313486232e+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            // JavaScript: 0.30000000000000004 (the documented 15-digit limit).
            (0.1 + 0.2, "0.3"),
        ];
        for &(n, expected) in cases {
            assert_eq!(js(n), expected, "{n:e}");
        }
    }

    #[test]
    fn text_converts_to_numbers_as_javascript_converts_it() {
        let number_cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("  42 ", 42.0),
            ("\n-1.5e2\t", -150.0),
            ("+.5", 0.5),
            ("7.", 7.0),
            ("0x1F", 31.0),
            ("0b101", 5.0),
            ("0o17", 15.0),
            ("-Infinity", f64::NEG_INFINITY),
            ("007", 7.0),
        ];
        for &(text, expected) in number_cases {
            assert_eq!(string_to_number(text), expected, "Number({text:?})");
        }
        for text in ["abc", "1a", ".", "-", "0x", "-0x10", "1e", "infinity", "1 2"] {
            assert!(string_to_number(text).is_nan(), "Number({text:?})");
        }
        let float_cases: &[(&str, f64)] =
            &[(" 12px", 12.0), ("1e3e", 1000.0), ("1e", 1.0), ("0x10", 0.0), ("-.5.5", -0.5)];
        for &(text, expected) in float_cases {
            assert_eq!(parse_float(text), expected, "parseFloat({text:?})");
        }
        for text in ["", "px12", ".", "null", "+-1"] {
            assert!(parse_float(text).is_nan(), "parseFloat({text:?})");
        }
    }
}
