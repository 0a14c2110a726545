"""Parameters: measurement settings (the only defaults), step parameters, pipeline files."""

from .params import (
    ConvertParams,
    GreeningParams,
    LayerSpec,
    MapsParams,
    PrerequisiteParams,
    RestorationParams,
    ReviewParams,
    StepParams,
    VectorInputs,
    assigned_crs,
)
from .pipeline_file import (
    GreeningStep,
    MapsStep,
    Pipeline,
    PrerequisiteStep,
    RestorationStep,
    ReviewStep,
    StepConfig,
    json_schema,
    load_pipeline,
)
from .settings import FvcSettings, GreeningSettings, RestorationSettings, ReviewSettings

__all__ = [
    "ConvertParams",
    "FvcSettings",
    "GreeningParams",
    "GreeningSettings",
    "GreeningStep",
    "LayerSpec",
    "MapsParams",
    "MapsStep",
    "Pipeline",
    "PrerequisiteParams",
    "PrerequisiteStep",
    "RestorationParams",
    "RestorationSettings",
    "RestorationStep",
    "ReviewParams",
    "ReviewSettings",
    "ReviewStep",
    "StepConfig",
    "StepParams",
    "VectorInputs",
    "assigned_crs",
    "json_schema",
    "load_pipeline",
]
