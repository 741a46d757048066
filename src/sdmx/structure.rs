//! The SDMX-ML 2.1 structure message of a release: the dataflows, their data structure
//! definitions, the concept scheme and the code lists, each list holding every code a cell of the
//! round can carry and no other (the indicators' declared categories, the round's sources and
//! areas), labelled from the ILOSTAT code lists in `schemas/classifications/`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use super::{
    source_id, Dataflow, Dataflows, AGENCY, COMBINED, CONF_STATUS_CODES, OBS_STATUS_CODES, VERSION,
};
use crate::classifications::Classifications;
use crate::indicators::{Indicator, Indicators};
use crate::spec::SourceSpec;

/// What the structures are made from.
pub struct StructureInput<'a> {
    pub indicators: &'a Indicators,
    pub classifications: &'a Classifications,
    pub sources: &'a [SourceSpec],
    /// Every country of the round (mirror data is published under countries other than the
    /// sources', also in a run of some sources only).
    pub countries: &'a std::collections::BTreeSet<String>,
    pub dataflows: &'a Dataflows,
    pub round_name: &'a str,
    /// The release's id: the message's id and, from its time, its preparation time.
    pub release_id: &'a str,
}

const CONCEPT_SCHEME: &str = "CS_ILMS";
/// SDMX's "not applicable": the code of a breakdown an indicator does not have.
const NOT_APPLICABLE: (&str, &str) = ("_Z", "Not applicable");

/// The concepts' names; a breakdown dimension of an ILOSTAT dataflow is named by the prefix of
/// its classifications' codes.
const CONCEPTS: [(&str, &str); 27] = [
    ("REF_AREA", "Reference area"),
    ("SOURCE", "Source (ILOSTAT source type and ilms source id)"),
    ("INDICATOR", "Indicator"),
    ("FREQ", "Frequency"),
    ("MEASURE", "Measure"),
    ("SEX", "Sex"),
    ("CLASSIF1", "First breakdown (classif1)"),
    ("CLASSIF2", "Second breakdown (classif2)"),
    ("AGE", "Age"),
    ("ECO", "Economic activity"),
    ("OCU", "Occupation"),
    ("STE", "Status in employment"),
    ("EDU", "Education"),
    ("CBR", "Place or country of birth"),
    ("CCT", "Citizenship or country of citizenship"),
    ("CDS", "Country of destination"),
    ("CPR", "Country of previous residence"),
    ("COU", "Country of origin"),
    ("TIME_PERIOD", "Time period"),
    ("OBS_VALUE", "Observation value"),
    ("OBS_STATUS", "Observation status"),
    ("CONF_STATUS", "Confidentiality status"),
    ("UNIT_MEASURE", "Unit of measure"),
    ("UNIT_MULT", "Unit multiplier"),
    (
        "NOTE_INDICATOR",
        "Indicator notes (ILOSTAT note codes, type:id)",
    ),
    (
        "NOTE_SOURCE",
        "Source notes (ilms:<id>: rules, source statements, revisions, workbook footnotes)",
    ),
    ("NOTE_CLASSIF", "Classification notes"),
];

/// A code list: id, name and (code, label) in publication order, each code once.
struct CodeList {
    id: String,
    name: String,
    codes: Vec<(String, String)>,
}

impl CodeList {
    fn new(id: &str, name: &str) -> CodeList {
        CodeList {
            id: id.to_string(),
            name: name.to_string(),
            codes: Vec::new(),
        }
    }

    fn add(&mut self, code: &str, label: &str) {
        if !self.codes.iter().any(|(c, _)| c == code) {
            self.codes.push((code.to_string(), label.to_string()));
        }
    }
}

/// How a component is represented: by a code list, or as free text / a number / a period.
enum Repr {
    Codes(String),
    Text(&'static str),
}

/// A data structure definition: dimensions (the time dimension last), OBS_VALUE, attributes
/// (id, representation, mandatory).
struct Dsd {
    id: String,
    name: String,
    dimensions: Vec<(String, Repr)>,
    attributes: Vec<(&'static str, Repr, bool)>,
}

/// The SDMX-ML 2.1 structure message of the round's dataflows.
pub fn structure_message(input: &StructureInput) -> String {
    let lists = code_lists(input);
    let mut dsds = vec![combined_dsd()];
    dsds.extend(input.dataflows.list.iter().map(dataflow_dsd));
    let mut flows = vec![(
        COMBINED.to_string(),
        format!("ILMS indicators of {}", input.round_name),
        "DSD_ILMS".to_string(),
    )];
    for flow in &input.dataflows.list {
        let label = indicator_label(input.indicators, &flow.indicator);
        flows.push((flow.id.clone(), label, flow.structure_id()));
    }
    let mut xml = String::new();
    header(&mut xml, input.release_id);
    xml.push_str("  <message:Structures>\n    <structure:Dataflows>\n");
    for (id, name, dsd) in &flows {
        dataflow(&mut xml, id, name, dsd);
    }
    xml.push_str("    </structure:Dataflows>\n    <structure:Codelists>\n");
    for list in &lists {
        codelist(&mut xml, list);
    }
    xml.push_str("    </structure:Codelists>\n    <structure:Concepts>\n");
    concept_scheme(&mut xml, input.dataflows);
    xml.push_str("    </structure:Concepts>\n    <structure:DataStructures>\n");
    for dsd in &dsds {
        data_structure(&mut xml, dsd);
    }
    xml.push_str(
        "    </structure:DataStructures>\n  </message:Structures>\n</message:Structure>\n",
    );
    xml
}

fn indicator_label(indicators: &Indicators, id: &str) -> String {
    indicators
        .list
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.label.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Every code list the structures refer to.
fn code_lists(input: &StructureInput) -> Vec<CodeList> {
    let labels: HashMap<&str, &str> = input
        .classifications
        .versions
        .values()
        .flatten()
        .map(|c| (c.code.as_str(), c.label.as_str()))
        .collect();
    let label = |code: &str| labels.get(code).copied().unwrap_or(code).to_string();
    let tables = &input.indicators.list;
    let mut lists = round_lists(input);
    lists.push(slot_list("CL_SEX", "Sex", tables, 0, &label));
    lists.push(slot_list(
        "CL_CLASSIF1",
        "First breakdown",
        tables,
        1,
        &label,
    ));
    lists.push(slot_list(
        "CL_CLASSIF2",
        "Second breakdown",
        tables,
        2,
        &label,
    ));
    let mut by_breakdown: BTreeMap<&str, CodeList> = BTreeMap::new();
    let mut measures = CodeList::new("CL_MEASURE", "Measure");
    for flow in &input.dataflows.list {
        let mine: Vec<&Indicator> = tables.iter().filter(|t| t.id == flow.indicator).collect();
        let name = indicator_label(input.indicators, &flow.indicator);
        measures.add(&flow.measure, name.split(" by ").next().unwrap_or(&name));
        for (slot, breakdown) in flow.breakdowns.iter().enumerate().skip(1) {
            let list = by_breakdown.entry(breakdown).or_insert_with(|| {
                CodeList::new(&format!("CL_{breakdown}"), concept_name(breakdown))
            });
            for table in &mine {
                add_dimension_codes(list, table, slot, &label);
            }
        }
    }
    lists.push(measures);
    lists.extend(by_breakdown.into_values());
    lists
}

/// Code lists of the round itself and of SDMX: areas, sources, indicators, frequencies, units,
/// unit multipliers, observation and confidentiality statuses.
fn round_lists(input: &StructureInput) -> Vec<CodeList> {
    let mut areas = CodeList::new("CL_AREA", "Reference area");
    let mut sources = CodeList::new("CL_SOURCE", "Source");
    let mut freq = CodeList::new("CL_FREQ", "Frequency");
    for area in input.countries {
        areas.add(area, &input.classifications.country_name(area));
    }
    for spec in input.sources {
        let id = source_id(&spec.source.ilostat_source());
        sources.add(&id, &spec.source.title);
        let (f, _) = super::period(&spec.source.time);
        freq.add(f, frequency_name(f));
    }
    areas.codes.sort();
    let mut indicators = CodeList::new("CL_INDICATOR", "Indicator");
    let mut units = CodeList::new("CL_UNIT", "Unit of measure");
    let mut mults = CodeList::new("CL_UNIT_MULT", "Unit multiplier");
    for table in &input.indicators.list {
        indicators.add(&table.id, &table.label);
        units.add(&table.unit, unit_name(&table.unit));
        mults.add(
            &table.unit_mult.to_string(),
            &unit_mult_name(table.unit_mult),
        );
    }
    let mut obs = CodeList::new(
        "CL_OBS_STATUS",
        "Observation status (from SDMX:CL_OBS_STATUS)",
    );
    for (code, name) in OBS_STATUS_CODES {
        obs.add(code, name);
    }
    let mut conf = CodeList::new(
        "CL_CONF_STATUS",
        "Confidentiality status (from SDMX:CL_CONF_STATUS)",
    );
    for (code, name) in CONF_STATUS_CODES {
        conf.add(code, name);
    }
    vec![areas, sources, indicators, freq, units, mults, obs, conf]
}

/// The codes every table can give in breakdown `slot` (0 sex, 1 classif1, 2 classif2), with
/// "_Z" when some table has no such breakdown.
fn slot_list(
    id: &str,
    name: &str,
    tables: &[Indicator],
    slot: usize,
    label: &dyn Fn(&str) -> String,
) -> CodeList {
    let mut list = CodeList::new(id, name);
    for table in tables {
        if table.slot(slot).is_some() {
            add_dimension_codes(&mut list, table, slot, label);
        } else {
            list.add(NOT_APPLICABLE.0, NOT_APPLICABLE.1);
        }
    }
    list
}

/// A dimension's total, categories and code for unknown values: every code a cell can carry there.
fn add_dimension_codes(
    list: &mut CodeList,
    table: &Indicator,
    slot: usize,
    label: &dyn Fn(&str) -> String,
) {
    let Some(dimension) = table.slot(slot) else {
        return;
    };
    let codes = std::iter::once(&dimension.total)
        .chain(dimension.categories.iter().map(|c| &c.code))
        .chain(dimension.unknown.iter());
    for code in codes {
        list.add(code, &label(code));
    }
}

fn concept_name(id: &str) -> &str {
    CONCEPTS
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, name)| *name)
        .unwrap_or(id)
}

fn frequency_name(code: &str) -> &'static str {
    match code {
        "Q" => "Quarterly",
        "M" => "Monthly",
        _ => "Annual",
    }
}

/// ILOSTAT's units (PS persons, PT percent, LC local currency).
fn unit_name(code: &str) -> &str {
    match code {
        "PS" => "Persons",
        "PT" => "Percentage",
        "LC" => "Local currency",
        _ => code,
    }
}

/// SDMX's unit multipliers: a power of ten.
fn unit_mult_name(mult: i32) -> String {
    match mult {
        0 => "Units".to_string(),
        3 => "Thousands".to_string(),
        6 => "Millions".to_string(),
        n => format!("10^{n}"),
    }
}

/// The combined dataflow's structure: every indicator, keyed by source and indicator.
fn combined_dsd() -> Dsd {
    let codes = |id: &str| Repr::Codes(id.to_string());
    Dsd {
        id: "DSD_ILMS".to_string(),
        name: "ILMS indicator cells (ILOSTAT long form)".to_string(),
        dimensions: vec![
            ("REF_AREA".into(), codes("CL_AREA")),
            ("SOURCE".into(), codes("CL_SOURCE")),
            ("INDICATOR".into(), codes("CL_INDICATOR")),
            ("SEX".into(), codes("CL_SEX")),
            ("CLASSIF1".into(), codes("CL_CLASSIF1")),
            ("CLASSIF2".into(), codes("CL_CLASSIF2")),
        ],
        attributes: common_attributes(false),
    }
}

/// An ILOSTAT 2026 dataflow's structure: REF_AREA, FREQ, MEASURE, SEX, its breakdowns; the
/// source is an attribute.
fn dataflow_dsd(flow: &Dataflow) -> Dsd {
    let codes = |id: String| Repr::Codes(id);
    let mut dimensions = vec![
        ("REF_AREA".to_string(), codes("CL_AREA".into())),
        ("FREQ".to_string(), codes("CL_FREQ".into())),
        ("MEASURE".to_string(), codes("CL_MEASURE".into())),
    ];
    for breakdown in &flow.breakdowns {
        dimensions.push((breakdown.clone(), codes(format!("CL_{breakdown}"))));
    }
    Dsd {
        id: flow.structure_id(),
        name: flow.id.clone(),
        dimensions,
        attributes: common_attributes(true),
    }
}

fn common_attributes(with_source: bool) -> Vec<(&'static str, Repr, bool)> {
    let codes = |id: &str| Repr::Codes(id.to_string());
    let mut attributes = vec![
        ("OBS_STATUS", codes("CL_OBS_STATUS"), true),
        ("CONF_STATUS", codes("CL_CONF_STATUS"), true),
        ("UNIT_MEASURE", codes("CL_UNIT"), true),
        ("UNIT_MULT", codes("CL_UNIT_MULT"), true),
    ];
    if with_source {
        attributes.push(("SOURCE", codes("CL_SOURCE"), true));
    }
    attributes.extend([
        ("NOTE_INDICATOR", Repr::Text("String"), false),
        ("NOTE_SOURCE", Repr::Text("String"), false),
        ("NOTE_CLASSIF", Repr::Text("String"), false),
    ]);
    attributes
}

/// Text for an XML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(xml: &mut String, release_id: &str) {
    let prepared = release_id
        .get(..16)
        .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y%m%dT%H%M%SZ").ok())
        .map(|t| t.and_utc())
        .unwrap_or_else(chrono::Utc::now)
        .format("%Y-%m-%dT%H:%M:%SZ");
    let id: String = release_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let _ = write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <message:Structure xmlns:message=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" \
         xmlns:structure=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" \
         xmlns:common=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n  \
         <message:Header>\n    <message:ID>ILMS_{id}</message:ID>\n    \
         <message:Test>false</message:Test>\n    <message:Prepared>{prepared}</message:Prepared>\n    \
         <message:Sender id=\"{AGENCY}\"/>\n  </message:Header>\n"
    );
}

fn name(xml: &mut String, indent: &str, text: &str) {
    let _ = writeln!(
        xml,
        "{indent}<common:Name xml:lang=\"en\">{}</common:Name>",
        escape(text)
    );
}

fn reference(class: &str, package: &str, id: &str) -> String {
    format!(
        "<Ref id=\"{id}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"{package}\" class=\"{class}\"/>"
    )
}

fn dataflow(xml: &mut String, id: &str, text: &str, dsd: &str) {
    let _ = writeln!(
        xml,
        "      <structure:Dataflow id=\"{id}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"false\">"
    );
    name(xml, "        ", text);
    let _ = writeln!(
        xml,
        "        <structure:Structure>{}</structure:Structure>\n      </structure:Dataflow>",
        reference("DataStructure", "datastructure", dsd)
    );
}

fn codelist(xml: &mut String, list: &CodeList) {
    let _ = writeln!(
        xml,
        "      <structure:Codelist id=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"false\">",
        list.id
    );
    name(xml, "        ", &list.name);
    for (code, label) in &list.codes {
        let _ = writeln!(xml, "        <structure:Code id=\"{}\">", escape(code));
        name(xml, "          ", label);
        xml.push_str("        </structure:Code>\n");
    }
    xml.push_str("      </structure:Codelist>\n");
}

/// The concepts, with any breakdown of a dataflow CONCEPTS does not name (named by its id).
fn concept_scheme(xml: &mut String, dataflows: &Dataflows) {
    let _ = writeln!(
        xml,
        "      <structure:ConceptScheme id=\"{CONCEPT_SCHEME}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"false\">"
    );
    name(xml, "        ", "ILMS concepts");
    let known: BTreeSet<&str> = CONCEPTS.iter().map(|(id, _)| *id).collect();
    let others = dataflows
        .list
        .iter()
        .flat_map(|f| f.breakdowns.iter().map(String::as_str))
        .filter(|b| !known.contains(b))
        .collect::<BTreeSet<_>>();
    let concepts = CONCEPTS
        .into_iter()
        .chain(others.into_iter().map(|b| (b, b)));
    for (id, text) in concepts {
        let _ = writeln!(xml, "        <structure:Concept id=\"{id}\">");
        name(xml, "          ", text);
        xml.push_str("        </structure:Concept>\n");
    }
    xml.push_str("      </structure:ConceptScheme>\n");
}

/// A component's concept and representation.
fn component_body(xml: &mut String, id: &str, repr: &Repr) {
    let _ = write!(
        xml,
        "<structure:ConceptIdentity><Ref id=\"{id}\" maintainableParentID=\"{CONCEPT_SCHEME}\" \
         maintainableParentVersion=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"conceptscheme\" \
         class=\"Concept\"/></structure:ConceptIdentity><structure:LocalRepresentation>"
    );
    match repr {
        Repr::Codes(list) => {
            let _ = write!(
                xml,
                "<structure:Enumeration>{}</structure:Enumeration>",
                reference("Codelist", "codelist", list)
            );
        }
        Repr::Text(kind) => {
            let _ = write!(xml, "<structure:TextFormat textType=\"{kind}\"/>");
        }
    }
    xml.push_str("</structure:LocalRepresentation>");
}

fn data_structure(xml: &mut String, dsd: &Dsd) {
    let _ = writeln!(
        xml,
        "      <structure:DataStructure id=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"false\">",
        dsd.id
    );
    name(xml, "        ", &dsd.name);
    xml.push_str("        <structure:DataStructureComponents>\n          <structure:DimensionList id=\"DimensionDescriptor\">\n");
    for (i, (id, repr)) in dsd.dimensions.iter().enumerate() {
        let _ = write!(
            xml,
            "            <structure:Dimension id=\"{id}\" position=\"{}\">",
            i + 1
        );
        component_body(xml, id, repr);
        xml.push_str("</structure:Dimension>\n");
    }
    let _ = write!(
        xml,
        "            <structure:TimeDimension id=\"TIME_PERIOD\" position=\"{}\">",
        dsd.dimensions.len() + 1
    );
    component_body(xml, "TIME_PERIOD", &Repr::Text("ObservationalTimePeriod"));
    xml.push_str("</structure:TimeDimension>\n          </structure:DimensionList>\n          <structure:AttributeList id=\"AttributeDescriptor\">\n");
    for (id, repr, mandatory) in &dsd.attributes {
        let status = if *mandatory {
            "Mandatory"
        } else {
            "Conditional"
        };
        let _ = write!(
            xml,
            "            <structure:Attribute id=\"{id}\" assignmentStatus=\"{status}\">"
        );
        component_body(xml, id, repr);
        xml.push_str("<structure:AttributeRelationship><structure:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></structure:PrimaryMeasure></structure:AttributeRelationship></structure:Attribute>\n");
    }
    xml.push_str("          </structure:AttributeList>\n          <structure:MeasureList id=\"MeasureDescriptor\">\n            <structure:PrimaryMeasure id=\"OBS_VALUE\">");
    component_body(xml, "OBS_VALUE", &Repr::Text("Double"));
    xml.push_str("</structure:PrimaryMeasure>\n          </structure:MeasureList>\n        </structure:DataStructureComponents>\n      </structure:DataStructure>\n");
}
