"""The pure REFI-QDA package: quirks of real files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interop.refi import (
    RefiCode,
    RefiCoding,
    RefiError,
    RefiSelection,
    RefiSet,
    RefiUser,
    canonical_guid,
    read_qdc,
    read_qde,
    read_qdpx,
    write_qde,
)
from tests.interop.refi_helpers import (
    CODE_A,
    USER,
    _error,
    assert_valid,
    code_tree,
    english_messages,  # noqa: F401 (autouse)
    fixture,
    guid,
    passages,
    warning_codes,
)

# --------------------------------------------------------------------------
# Quirks
# --------------------------------------------------------------------------


def test_qde_with_another_name_in_a_folder() -> None:
    """Any single .qde is the project, also inside a zipped folder with __MACOSX junk."""
    project = read_qdpx(fixture("quirk_qde_name.qdpx"))
    assert project.name == "Interviews 2024"
    assert passages(project.sources[0]) == ["Het team is hecht"]


def test_lenient_source_paths() -> None:
    """Sources/ vs sources/, upper-case names, backslashes and relative:// all resolve."""
    project = read_qdpx(fixture("quirk_paths.qdpx"))
    assert [(s.name, passages(s)) for s in project.sources] == [
        ("upper case", ["Ik werk hier"]),
        ("backslash", ["vijf jaar"]),
        ("relative", ["we lachen veel"]),
    ]
    assert warning_codes(project.warnings) == ["source_file_missing"]
    assert str(project.warnings[0]) == (
        "The text of the source “absent” (absolute:///C:/Data/"
        "31111111-2222-4333-8444-555555555504.txt) is not in the project file; the "
        "source was not imported."
    )


def test_bom_and_non_utf8_text_files() -> None:
    """A UTF-8 BOM is not counted; a UTF-16 file is decoded with a warning."""
    project = read_qdpx(fixture("quirk_bom.qdpx"))
    utf8, utf16 = project.sources
    assert utf8.text == "Café 😀 open.\nDaarna naar huis."
    assert passages(utf8) == ["naar huis"]
    assert passages(utf16) == ["open."]
    assert warning_codes(project.warnings) == ["text_not_utf8"]
    assert (utf8.warnings, utf16.warnings) == ([], [])


def test_inline_plain_text_content_and_empty_sets() -> None:
    """Inline <PlainTextContent> needs no files; an empty <Sets/> is accepted."""
    project = read_qde(fixture("quirk_inline_text.qde"))
    (source,) = project.sources
    assert source.text == "Inline tekst: geen apart bestand nodig.\nTweede regel."
    assert passages(source) == ["geen apart bestand"]
    assert project.sets == []


def test_guids_in_any_spelling_resolve() -> None:
    """Definitions and references may differ in case and braces."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="G">
      <Users><User guid="{{{USER.upper()}}}" name="Ann"/></Users>
      <CodeBook><Codes><Code guid="{{{CODE_A.upper()}}}" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="{guid(50).upper()}" name="T">
        <PlainTextContent>Hallo daar.</PlainTextContent>
        <PlainTextSelection guid="{{{guid(51)}}}" startPosition="0" endPosition="5" creatingUser="{USER}">
          <Coding guid="{guid(52)}"><CodeRef targetGUID="{CODE_A}"/></Coding>
        </PlainTextSelection>
      </TextSource></Sources>
      <Sets><Set guid="{guid(53).upper()}" name="S"><MemberCode targetGUID="{{{CODE_A}}}"/>
        <MemberSource targetGUID="{{{guid(50)}}}"/></Set></Sets>
    </Project>""".encode()
    project = read_qde(qde)
    assert project.users == [RefiUser(USER, "Ann")]
    assert project.codes[0].guid == CODE_A
    (source,) = project.sources
    assert source.guid == guid(50)
    assert source.selections == [
        RefiSelection(guid(51), 0, 5, [RefiCoding(CODE_A, USER)])
    ]
    assert project.sets == [RefiSet(guid(53), "S", [CODE_A], [guid(50)])]
    assert project.warnings == []


def test_identifiers_that_are_no_guids_get_stable_guids() -> None:
    """guid="A"-style identifiers still link up, with one warning."""
    qde = b"""<Project xmlns="urn:QDA-XML:project:1.0" name="G">
      <CodeBook><Codes><Code guid="plugin" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="doc" name="T"><PlainTextContent>Hallo daar.</PlainTextContent>
        <PlainTextSelection guid="sel" startPosition="0" endPosition="5">
          <Coding guid="c"><CodeRef targetGUID="plugin"/></Coding></PlainTextSelection>
      </TextSource></Sources></Project>"""
    project = read_qde(qde)
    assert project.sources[0].selections[0].codings == [
        RefiCoding(canonical_guid("plugin"))
    ]
    assert warning_codes(project.warnings) == ["invalid_guids"]
    assert str(project.warnings[0]) == (
        "Some identifiers in the file are not valid GUIDs (3); Regie replaced them "
        "with GUIDs of its own."
    )
    assert_valid(write_qde(project), "Project.xsd")


PROJECT_BODY = (
    '<{p}CodeBook{cb}><{p}Codes><{p}Code guid="{code}" name="A" isCodable="true"/></{p}Codes>'
    "</{p}CodeBook>"
    '<{p}Sources><{p}TextSource guid="{src}" name="T"><{p}PlainTextContent>Hallo daar.'
    '</{p}PlainTextContent><{p}PlainTextSelection guid="{sel}" startPosition="6" endPosition="10">'
    '<{p}Coding guid="{cod}"><{p}CodeRef targetGUID="{code}"/></{p}Coding></{p}PlainTextSelection>'
    "</{p}TextSource></{p}Sources>"
)


@pytest.mark.parametrize(
    ("root", "prefix", "codebook_attr"),
    [
        ('<Project name="N">', "", ""),
        ('<Project xmlns="urn:QDA-XML:project:1.0" name="N">', "", ""),
        ('<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="N">', "qda:", ""),
        ('<Project xmlns="urn:QDA-XML:project:0:10" name="N">', "", ""),
        ('<Project xmlns="urn:QDA-XML:project:1:0" name="N">', "", ""),
        ('<Project xmlns="URN:QDA-XML:PROJECT:1.0" name="N">', "", ""),
        (
            '<Project xmlns="urn:QDA-XML:project:1.0" name="N">',
            "",
            ' xmlns="urn:QDA-XML:codebook:1.0"',
        ),
    ],
    ids=["none", "default", "prefix", "0:10", "1:0", "upper", "codebook-ns-inside"],
)
def test_project_namespace_variants(root: str, prefix: str, codebook_attr: str) -> None:
    """No namespace, a prefix, old or oddly spelt namespaces all read the same."""
    closing = "</qda:Project>" if prefix else "</Project>"
    body = PROJECT_BODY.format(
        p=prefix,
        cb=codebook_attr,
        code=CODE_A,
        src=guid(50),
        sel=guid(51),
        cod=guid(52),
    )
    project = read_qde((root + body + closing).encode())
    assert project.name == "N"
    assert project.codes == [RefiCode(CODE_A, "A")]
    assert passages(project.sources[0]) == ["daar"]
    assert project.sources[0].selections[0].codings == [RefiCoding(CODE_A)]
    assert project.warnings == []


def test_unknown_namespace_is_read_with_a_warning() -> None:
    """A foreign namespace is tolerated but reported."""
    project = read_qde(b'<Project xmlns="http://example.org/qda" name="N"/>')
    assert warning_codes(project.warnings) == ["unexpected_namespace"]
    assert str(project.warnings[0]) == (
        "The file uses the XML namespace “http://example.org/qda”, which is not a "
        "REFI-QDA namespace; it was read anyway."
    )


@pytest.mark.parametrize(
    "root",
    [
        "<CodeBook>",
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0">',
        '<CodeBook xmlns="urn:QDA-XML:codebook:1:0">',
        '<c:CodeBook xmlns:c="urn:QDA-XML:codebook:1.0">',
    ],
    ids=["none", "default", "nvivo-mac-1:0", "prefix"],
)
def test_codebook_namespace_variants(root: str) -> None:
    """Codebooks in every namespace spelling read the same."""
    prefix = "c:" if root.startswith("<c:") else ""
    xml = (
        f'{root}<{prefix}Codes><{prefix}Code guid="{CODE_A}" name="A" isCodable="true">'
        f"<{prefix}Description>Uitleg</{prefix}Description></{prefix}Code></{prefix}Codes>"
        f"<{prefix}Sets/></{prefix}CodeBook>"
    )
    codebook = read_qdc(xml.encode())
    assert codebook.codes == [RefiCode(CODE_A, "A", description="Uitleg")]
    assert codebook.warnings == []


def test_codebook_with_bom_utf16_or_blank_lines_before_the_declaration() -> None:
    """QualCoder writes .qdc as utf-8-sig; other encodings and stray blank lines pass."""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f'<Codes><Code guid="{CODE_A}" name="Één" isCodable="true"/></Codes></CodeBook>'
    )
    expected = [RefiCode(CODE_A, "Één")]
    assert read_qdc(xml.encode("utf-8-sig")).codes == expected
    assert read_qdc(xml.replace("utf-8", "utf-16").encode("utf-16")).codes == expected
    assert read_qdc(b"\r\n  " + xml.encode()).codes == expected


def test_codebook_syntax_errors_name_the_uploaded_file() -> None:
    error = _error(lambda: read_qdc(b"<CodeBook><Codes>", filename="mijn codes.qdc"))
    assert error.code == "xml_syntax"
    assert str(error).startswith(
        "The file mijn codes.qdc is damaged: it is not well-formed XML (line 1, column 18: "
    )


def test_codes_without_colours_short_colours_and_bad_colours() -> None:
    """Missing or invalid colours are None; #RGB is expanded."""
    xml = f"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="{guid(1)}" name="geen" isCodable="true"/>
      <Code guid="{guid(2)}" name="kort" isCodable="true" color="#F0A"/>
      <Code guid="{guid(3)}" name="fout" isCodable="true" color="rood"/>
      <Code guid="{guid(4)}" name="codable-absent"/>
    </Codes></CodeBook>""".encode()
    codes = read_qdc(xml).codes
    assert [(c.name, c.color, c.is_codable) for c in codes] == [
        ("geen", None, True),
        ("kort", "#ff00aa", True),
        ("fout", None, True),
        ("codable-absent", None, True),
    ]


def test_flat_hierarchy_several_levels() -> None:
    """A::B::C nests under existing codes or added folders, in file order."""
    xml = f"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="{guid(1)}" name="Emoties :: Negatief :: Boos" isCodable="true"/>
      <Code guid="{guid(2)}" name="Emoties" isCodable="true" color="#112233"/>
      <Code guid="{guid(3)}" name="Emoties::Positief" isCodable="true"/>
      <Code guid="{guid(4)}" name="::raar" isCodable="true"/>
      <Code guid="{guid(5)}" name="Los" isCodable="true"/>
    </Codes></CodeBook>""".encode()
    codebook = read_qdc(xml)
    assert code_tree(codebook.codes) == [
        (
            "Emoties",
            "#112233",
            True,
            [
                ("Negatief", None, False, [("Boos", None, True, [])]),
                ("Positief", None, True, []),
            ],
        ),
        ("::raar", None, True, []),
        ("Los", None, True, []),
    ]
    assert warning_codes(codebook.warnings) == ["code_folders_added"]
    assert codebook.codes[0].children[0].guid == canonical_guid(
        "regie-code-folder:Emoties::Negatief"
    )


def test_nested_codes_keep_double_colons_in_child_names() -> None:
    """Only top-level names are split; nested codes keep their names."""
    xml = f"""<CodeBook><Codes><Code guid="{guid(1)}" name="P" isCodable="false">
      <Code guid="{guid(2)}" name="a::b" isCodable="true"/></Code></Codes></CodeBook>""".encode()
    assert code_tree(read_qdc(xml).codes) == [
        ("P", None, False, [("a::b", None, True, [])])
    ]


def test_whole_source_coding_becomes_one_passage() -> None:
    """A <Coding> directly on a TextSource covers the whole text, with a warning."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="W">
      <CodeBook><Codes><Code guid="{CODE_A}" name="A" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="{guid(50)}" name="T"><PlainTextContent>Alles telt.
</PlainTextContent>
        <Coding guid="{guid(51)}" creatingUser="{USER}"><CodeRef targetGUID="{CODE_A}"/></Coding>
      </TextSource></Sources></Project>""".encode()
    (source,) = read_qde(qde).sources
    assert source.selections == [
        RefiSelection(guid(51), 0, 11, [RefiCoding(CODE_A, USER)])
    ]
    assert warning_codes(source.warnings) == ["whole_source_coding"]


def test_variable_values_that_do_not_fit_their_type_are_kept_as_text() -> None:
    """A FloatValue of "n.v.t." is kept as text and reported."""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="V">
      <Variables><Variable guid="{guid(20)}" name="Uren" typeOfVariable="Float"/>
        <Variable guid="{guid(21)}" name="Moment" typeOfVariable="DateTime"/></Variables>
      <Cases><Case guid="{guid(30)}" name="C">
        <VariableValue><VariableRef targetGUID="{guid(20)}"/><FloatValue>n.v.t.</FloatValue></VariableValue>
        <VariableValue><VariableRef targetGUID="{guid(21)}"/><DateTimeValue>2018-10-04T22:56:11</DateTimeValue></VariableValue>
      </Case></Cases></Project>""".encode()
    project = read_qde(qde)
    assert project.cases[0].variables == {
        "Uren": "n.v.t.",
        "Moment": datetime(2018, 10, 4, 22, 56, 11, tzinfo=UTC),
    }
    assert [str(w) for w in project.warnings] == [
        "The value “n.v.t.” of variable “Uren” for “C” does not fit its type and was kept as text."
    ]


def test_entity_declarations_are_refused() -> None:
    """A DOCTYPE with entities (billion laughs, XXE) is refused, not expanded."""
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE Project [ <!ENTITY boom "EXPANDED"> ]>
<Project name="&boom;" xmlns="urn:QDA-XML:project:1.0"/>"""
    with pytest.raises(RefiError) as caught:
        read_qde(xml)
    assert caught.value.code == "xml_doctype"
    assert str(caught.value) == (
        "The file project.qde declares XML entities in a document type declaration, "
        "which REFI-QDA files never do; it was refused for safety."
    )
