//! The tables `import` and sync write: the registry is [`crate::config::Table`].

pub use crate::config::Table;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TableNames;

    #[test]
    fn keys_agree_with_the_template() {
        let names = TableNames::prefixed("");
        let specs = crate::local::tables::specs().unwrap();
        assert_eq!(specs.len(), Table::ALL.len());
        for spec in specs {
            let name = names.for_logical_id(&spec.logical_id).unwrap();
            let table = Table::ALL.into_iter().find(|t| t.name(&names) == name).unwrap();
            let keys: Vec<&str> = spec.keys.iter().map(|k| k.attribute_name()).collect();
            assert_eq!(keys, table.key_attributes(), "{name}");
        }
    }
}
