"""Link: record mentions -> codes in medical terminologies."""

from kg_build.link.icd10cm import link_diagnoses as link_record

__all__ = ["link_record"]
