//! The committed `schema.graphql` as data, for tests that walk the whole API (privacy between
//! parties, the schema-driven fuzzer) instead of listing fields by hand.

use std::collections::BTreeMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// A type reference: named, list of, and whether null is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named { name: String, nullable: bool },
    List { of: Box<TypeRef>, nullable: bool },
}

impl TypeRef {
    fn from_parsed(ty: &Type) -> Self {
        match &ty.base {
            BaseType::Named(name) => Self::Named {
                name: name.to_string(),
                nullable: ty.nullable,
            },
            BaseType::List(of) => Self::List {
                of: Box::new(Self::from_parsed(of)),
                nullable: ty.nullable,
            },
        }
    }

    /// The named type under any list wrappers.
    pub fn named(&self) -> &str {
        match self {
            Self::Named { name, .. } => name,
            Self::List { of, .. } => of.named(),
        }
    }

    pub fn nullable(&self) -> bool {
        match self {
            Self::Named { nullable, .. } | Self::List { nullable, .. } => *nullable,
        }
    }
}

/// An argument or input field.
#[derive(Debug, Clone)]
pub struct InputValue {
    pub name: String,
    pub ty: TypeRef,
    pub has_default: bool,
}

impl InputValue {
    /// Must be given: non-null and without a default.
    pub fn required(&self) -> bool {
        !self.ty.nullable() && !self.has_default
    }
}

/// A field of an object type.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub args: Vec<InputValue>,
    pub ty: TypeRef,
}

/// What a named type is.
#[derive(Debug, Clone)]
#[allow(dead_code)] // the fuzzer reads enum values and input fields
pub enum Kind {
    Scalar,
    Object(Vec<Field>),
    Enum(Vec<String>),
    Input(Vec<InputValue>),
    /// Interfaces and unions (the schema has none today).
    Abstract,
}

/// The schema: every named type by name.
pub struct SchemaModel {
    pub types: BTreeMap<String, Kind>,
}

impl SchemaModel {
    /// The committed `schema.graphql`.
    pub fn committed() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
        let sdl = std::fs::read_to_string(path).expect("schema.graphql exists");
        Self::parse(&sdl)
    }

    pub fn parse(sdl: &str) -> Self {
        let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
        let mut types = BTreeMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let ty = ty.node;
            let input_values = |values: &[async_graphql::Positioned<
                async_graphql::parser::types::InputValueDefinition,
            >]| {
                values
                    .iter()
                    .map(|value| InputValue {
                        name: value.node.name.node.to_string(),
                        ty: TypeRef::from_parsed(&value.node.ty.node),
                        has_default: value.node.default_value.is_some(),
                    })
                    .collect::<Vec<_>>()
            };
            let kind = match &ty.kind {
                TypeKind::Scalar => Kind::Scalar,
                TypeKind::Object(object) => Kind::Object(
                    object
                        .fields
                        .iter()
                        .map(|field| Field {
                            name: field.node.name.node.to_string(),
                            args: input_values(&field.node.arguments),
                            ty: TypeRef::from_parsed(&field.node.ty.node),
                        })
                        .collect(),
                ),
                TypeKind::Enum(values) => Kind::Enum(
                    values
                        .values
                        .iter()
                        .map(|value| value.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::InputObject(input) => Kind::Input(input_values(&input.fields)),
                TypeKind::Interface(_) | TypeKind::Union(_) => Kind::Abstract,
            };
            types.insert(ty.name.node.to_string(), kind);
        }
        for builtin in ["String", "Int", "Float", "Boolean", "ID"] {
            types.entry(builtin.to_owned()).or_insert(Kind::Scalar);
        }
        Self { types }
    }

    /// The fields of object type `name` (empty for anything else).
    pub fn fields(&self, name: &str) -> &[Field] {
        match self.types.get(name) {
            Some(Kind::Object(fields)) => fields,
            _ => &[],
        }
    }

    pub fn is_object(&self, name: &str) -> bool {
        matches!(self.types.get(name), Some(Kind::Object(_)))
    }

    /// Every `(type, field)` whose named type is `target`.
    pub fn fields_of_type(&self, target: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (type_name, kind) in &self.types {
            if let Kind::Object(fields) = kind {
                for field in fields {
                    if field.ty.named() == target {
                        found.push((type_name.clone(), field.name.clone()));
                    }
                }
            }
        }
        found
    }

    /// A selection set of `type_name` that reaches every field whose arguments are all
    /// optional (lists get `first: page`), down to `depth` levels of objects, entering each
    /// type at most `revisits + 1` times on one path, with `__typename` on every object.
    pub fn selection(&self, type_name: &str, depth: usize, revisits: usize, page: u32) -> String {
        let mut path = Vec::new();
        self.select(type_name, depth, revisits, page, &mut path)
    }

    fn select(
        &self,
        type_name: &str,
        depth: usize,
        revisits: usize,
        page: u32,
        path: &mut Vec<String>,
    ) -> String {
        path.push(type_name.to_owned());
        let mut parts = vec!["__typename".to_owned()];
        for field in self.fields(type_name) {
            // `nodes` repeats what `edges { node }` already selects.
            if field.args.iter().any(InputValue::required) || field.name == "nodes" {
                continue;
            }
            let args = if field.args.iter().any(|a| a.name == "first") {
                format!("(first: {page})")
            } else {
                String::new()
            };
            let target = field.ty.named();
            if !self.is_object(target) {
                parts.push(format!("{}{args}", field.name));
                continue;
            }
            let seen = path.iter().filter(|t| t.as_str() == target).count();
            if depth == 0 || seen > revisits {
                continue;
            }
            let inner = self.select(target, depth - 1, revisits, page, path);
            parts.push(format!("{}{args} {{ {inner} }}", field.name));
        }
        path.pop();
        parts.join(" ")
    }
}
