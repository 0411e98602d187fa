"""Bad and injected parameter values: a prefixed name as the tables print it is expanded or
refused, never taken for an IRI with an odd scheme; an injection is one literal or an error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kzgraph.errors import InputError, ParameterError

RunCli = Callable[..., tuple[int, str, str]]
KAZAKHSTAN = "https://w3id.org/kzgraph/id/country/kazakhstan"


def _csv(run_cli: RunCli, *args: str) -> str:
    code, out, err = run_cli("query", *args, "--format", "csv")
    assert code == 0, err
    return out


def test_a_prefixed_name_as_printed_is_the_full_iri(run_cli: RunCli) -> None:
    full = _csv(run_cli, "amendments", "--param", f"country={KAZAKHSTAN}")
    assert len(full.splitlines()) > 1
    assert _csv(run_cli, "amendments", "--param", "country=country:kazakhstan") == full


def test_kz_prefix_for_a_resource(run_cli: RunCli) -> None:
    full = _csv(run_cli, "describe-resource", "--param",
                "resource=https://w3id.org/kzgraph/id/kz/president")
    assert _csv(run_cli, "describe-resource", "--param", "resource=kz:president") == full


@pytest.mark.parametrize("value", ["nosuch:kazakhstan", "Country:kazakhstan", "x:"])
def test_an_unknown_prefix_is_a_parameter_error(run_cli: RunCli, value: str) -> None:
    code, out, err = run_cli("query", "amendments", "--param", f"country={value}")
    assert code == 2 and out == ""
    assert "is neither a prefix kzgraph knows nor an IRI scheme" in err
    assert "Traceback" not in err


def test_an_iri_scheme_is_still_an_iri() -> None:
    from kzgraph import query

    assert query("amendments", country="urn:example:nowhere").rows == []


@pytest.mark.parametrize("value", ['"} ; DROP ALL #', "x\n} INSERT DATA { <a> <b> <c> }",
                                   "\\u0022 }", "<http://e/x>", "a'b\"c"])
def test_injected_strings_are_literals_or_errors(value: str) -> None:
    """As an IRI: refused; the query text never changes."""
    from kzgraph import query

    with pytest.raises(ParameterError):
        query("amendments", country=value)


def test_factsheet_reads_a_country_as_query_does(run_cli: RunCli) -> None:
    code, by_slug, _ = run_cli("factsheet", "--country", "kazakhstan")
    assert code == 0
    for other in ("country:kazakhstan", KAZAKHSTAN):
        assert run_cli("factsheet", "--country", other)[1] == by_slug
    code, out, err = run_cli("factsheet", "--country", "nosuch:kazakhstan")
    assert code == 2 and out == "" and "not a country IRI" in err


def test_factsheet_api_refuses_an_unknown_prefix() -> None:
    from kzgraph import factsheet

    with pytest.raises(InputError, match="not a country IRI"):
        factsheet("nosuch:kazakhstan")


def test_query_takes_a_country_slug_as_factsheet_does(run_cli: RunCli) -> None:
    full = _csv(run_cli, "amendments", "--param", f"country={KAZAKHSTAN}")
    assert _csv(run_cli, "amendments", "--param", "country=kazakhstan") == full
    ukraine = _csv(run_cli, "remittances", "--param", "country=ukraine")
    assert ukraine == _csv(run_cli, "remittances", "--param",
                           "country=https://w3id.org/kzgraph/id/country/ukraine")
    assert ukraine != _csv(run_cli, "remittances", "--param", "country=kazakhstan")


def test_any_country_namespace_prefix_is_known(run_cli: RunCli) -> None:
    full = _csv(run_cli, "describe-resource", "--param",
                "resource=https://w3id.org/kzgraph/id/ua/factsheet")
    assert len(full.splitlines()) > 1
    assert _csv(run_cli, "describe-resource", "--param", "resource=ua:factsheet") == full


@pytest.mark.parametrize("value", ["kazakstan", "country:kazakstan"])
def test_an_unknown_country_slug_names_the_close_ones(run_cli: RunCli, value: str) -> None:
    code, out, err = run_cli("query", "amendments", "--param", f"country={value}")
    assert (code, out) == (2, "")
    assert "parameter 'country': <https://w3id.org/kzgraph/id/country/kazakstan> is not in " \
           "the graph" in err
    assert "did you mean kazakhstan?" in err and "Traceback" not in err


def test_factsheet_names_the_close_countries_too(run_cli: RunCli) -> None:
    code, out, err = run_cli("factsheet", "--country", "ukrane")
    assert (code, out) == (2, "")
    assert "no factsheet for the country <https://w3id.org/kzgraph/id/country/ukrane>" in err
    assert "did you mean ukraine?" in err


def test_a_slug_is_a_country_only_for_a_country_parameter(run_cli: RunCli) -> None:
    code, out, err = run_cli("query", "describe-resource", "--param", "resource=president")
    assert (code, out) == (2, "") and "is not an absolute IRI" in err


def test_the_api_reads_a_country_as_the_command_does() -> None:
    from kzgraph import query

    full = query("amendments", country=KAZAKHSTAN).rows
    assert full and query("amendments", country="kazakhstan").rows == full
    with pytest.raises(InputError, match="did you mean kazakhstan"):
        query("amendments", country="kazakstan")
