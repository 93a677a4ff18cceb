"""Properties of the knowledge: statements about every valid workload that a wrong rule base
would break. Each test's docstring states its property in one sentence."""


import pytest
from hypothesis import assume, given, strategies as st

from recommender import advise
from recommender._advice import lifecycle_entry
from strategies import workloads

def _closed(choice):
    entry = lifecycle_entry(choice)
    return entry is not None and entry.closed


#: Every property holds for an existing AWS customer and for a new one (services closed to new
#: customers replaced, decisions of later stages following the replacement).
pytestmark = pytest.mark.parametrize("new_customer", [False, True],
                                     ids=["existing-customer", "new-customer"])

STREAMING_INGESTION = {"Amazon Kinesis Data Streams", "Amazon Kinesis Data Firehose",
                       "Amazon Kinesis Video Streams", "Amazon MSK", "AWS Glue Streaming"}
FORECASTING_ALGORITHMS = {"DeepAR", "CNN-QR", "Prophet", "NPTS", "ARIMA"}
LINEAR_MODELS = {"Linear Learner", "Logistic regression"}
MANAGED = {"sentiment_analysis": "Amazon Comprehend", "text_classification": "Amazon Comprehend",
           "topic_modeling": "Amazon Comprehend topic modeling",
           "recommendation": "Amazon Personalize", "conversational": "Amazon Lex",
           "forecasting": "Amazon Forecast", "image_classification": "Amazon Rekognition",
           "object_detection": "Amazon Rekognition", "translation": "Amazon Translate",
           "speech_to_text": "Amazon Transcribe", "text_to_speech": "Amazon Polly",
           "document_extraction": "Amazon Textract"}
#: Managed AI services: the service's own model, called through its API.
MANAGED_SERVICES = set(MANAGED.values()) | {"Amazon Kendra", "Amazon Q Business",
                                            "Amazon Quick Suite", "Amazon Comprehend Medical"}
#: Foundation models: Bedrock by API, or open models the team hosts through JumpStart.
FOUNDATION = {"Amazon Bedrock", "SageMaker JumpStart"}
#: Tools that train for the team (AutoML behind them), on SageMaker AI.
AUTOML = {"SageMaker Autopilot", "SageMaker Canvas", "Amazon Redshift ML"}
GENERATIVE_TASKS = {"text_generation", "summarization", "question_answering"}
#: Text tasks whose input, when it is recorded speech, goes through Amazon Transcribe first.
SPEECH_FIRST = {"summarization", "question_answering", "text_generation", "sentiment_analysis",
                "text_classification", "topic_modeling"}


def _served_by_its_api(advice) -> bool:
    """The managed service answers through its own API; a Lex bot may hand open questions to
    an Amazon Bedrock knowledge base (its question-and-answer intent)."""
    deployment = advice.primary("deployment").choice
    return deployment == "Managed service API" or (
        advice.primary("service_choice").choice == "Amazon Lex" and
        deployment == "Amazon Bedrock Knowledge Bases")
CLASSIFIERS = {"classification", "text_classification", "sentiment_analysis",
               "image_classification"}


def with_(**fixed):
    """Generated workloads with some keys fixed."""
    return workloads.map(lambda w: {**w, **fixed})


@given(with_(velocity="streaming") | with_(velocity="hybrid"))
def test_streaming_velocity_gets_a_streaming_ingestion_service(new_customer, data):
    """Data that arrives as a stream is ingested by a streaming service, never by a batch one;
    image and video files, too large for a record, are uploaded to S3 as objects instead (a
    team's own Kafka may carry references to them)."""
    ingestion = advise(data, new_customer=new_customer).primary("ingestion").choice
    if data["modality"] in ("image", "video") and data.get("source") != "video_cameras":
        assert ingestion in ("Not needed", "Amazon MSK")
    else:
        assert ingestion in STREAMING_INGESTION


@given(with_(labels="unlabeled"))
def test_unlabeled_data_never_gets_purely_supervised_learning(new_customer, data):
    """Without labels the team trains no supervised model: supervised learning is neither the
    answer nor an alternative, unless a pre-trained managed service brings that learning."""
    advice = advise(data, new_customer=new_customer)
    if "Supervised learning" in advice.choices("learning_paradigm"):
        assert advice.primary("service_choice").choice in MANAGED_SERVICES | AUTOML


@given(with_(labels="reward_signal"))
def test_reward_signals_mean_reinforcement_learning(new_customer, data):
    """A reward signal makes reinforcement learning the paradigm."""
    assert advise(data, new_customer=new_customer).primary("learning_paradigm").choice == "Reinforcement learning"


@given(workloads.filter(lambda w: w["task"] in MANAGED).map(
    lambda w: {**w, "customization": "low", "builtin_algorithms_only": False,
               "serving": {**w.get("serving", {}), "edge": False}, "domain": "general",
               "generative": {**w.get("generative", {}), "data_residency": False,
                              "uses_tools": False},
               "team_skills": [t for t in w.get("team_skills", []) if t not in ("no_code", "sql")]}))
def test_low_customization_on_a_covered_task_picks_the_managed_service(new_customer, data):
    """When a pre-built AI service covers the task and little control is needed (and the team
    is not bound to SageMaker built-ins, nor serving at the edge, nor keeping a generative
    model in its own account, nor building an agent that calls its tools, nor a no-code or SQL
    team with a tool of its own), that service is chosen and
    served through its API; for a new customer a service closed to them is replaced, and
    nothing later still calls its API unless the replacement is a foundation model by API."""
    advice = advise(data, new_customer=new_customer)
    service = MANAGED[data["task"]]
    if data["modality"] == "audio" and data["task"] in SPEECH_FIRST:
        service = "Amazon Transcribe"
    chosen = advice.primary("service_choice").choice
    if new_customer and lifecycle_entry(service) is not None and lifecycle_entry(service).closed:
        assert chosen != service and not _closed(chosen)
    else:
        assert chosen == service
    if chosen in MANAGED_SERVICES:
        assert _served_by_its_api(advice)
    elif chosen != "Amazon Bedrock":
        assert advice.primary("deployment").choice != "Managed service API"


@given(with_(customization="high") | with_(task="semantic_segmentation"))
def test_high_customization_or_segmentation_builds_on_sagemaker(new_customer, data):
    """High customization, and pixel-level segmentation (no managed alternative), mean
    Amazon SageMaker AI; a generative task is the exception: Amazon Bedrock fine-tunes and serves
    foundation models, and SageMaker JumpStart hosts an open one where the model must stay in
    the team's account."""
    chosen = advise(data, new_customer=new_customer).primary("service_choice").choice
    generative = data["task"] in GENERATIVE_TASKS or (
        data["task"] == "conversational" and data.get("generative", {}).get("uses_tools"))
    if data.get("serving", {}).get("edge") or (data.get("builtin_algorithms_only") and
                                               data["task"] in MANAGED):
        assert chosen == "Amazon SageMaker"
    elif data.get("generative", {}).get("data_residency") and (
            generative or data["task"] == "conversational"):
        assert chosen == "SageMaker JumpStart"
    elif generative:
        assert chosen in ("Amazon Bedrock", "Amazon Q Business", "Amazon Quick Suite") or (
            data["modality"] == "audio" and chosen == "Amazon Transcribe")
    else:
        assert chosen == "Amazon SageMaker"


@given(workloads)
def test_managed_service_and_its_api_go_together(new_customer, data):
    """A managed AI service is always called through its API, and only a managed AI service
    or a foundation model on Amazon Bedrock is served that way."""
    advice = advise(data, new_customer=new_customer)
    service = advice.primary("service_choice").choice
    api = advice.primary("deployment").choice == "Managed service API"
    if service in MANAGED_SERVICES:
        assert _served_by_its_api(advice)
    if api:
        assert service in MANAGED_SERVICES | {"Amazon Bedrock"}


@given(with_(latency="batch"))
def test_batch_latency_never_gets_a_persistent_endpoint(new_customer, data):
    """Scheduled predictions never keep a real-time endpoint running, not even as an
    alternative."""
    assert "SageMaker real-time endpoint" not in advise(data, new_customer=new_customer).choices("deployment")


@given(with_(latency="realtime"))
def test_realtime_latency_never_gets_batch_transform(new_customer, data):
    """A caller waiting for an answer is never served by batch transform."""
    assert "SageMaker batch transform" not in advise(data, new_customer=new_customer).choices("deployment")


@given(with_(sensitive_data=True))
def test_sensitive_data_brings_encryption_and_anonymisation(new_customer, data):
    """Personal or regulated data always gets KMS encryption and anonymisation."""
    security = advise(data, new_customer=new_customer).choices("security")
    assert "AWS KMS encryption" in security and "Data anonymization" in security


@given(with_(bias_concern=True))
def test_bias_concern_brings_a_bias_check(new_customer, data):
    """Decisions about people are always checked for bias, with fairness metrics and SHAP
    explanations (SageMaker Clarify computes them for a team that already uses it; a new
    customer never gets Clarify)."""
    monitoring = advise(data, new_customer=new_customer).choices("monitoring")
    assert {"SageMaker Clarify", "Fairness metrics and SHAP explanations"} & set(monitoring)
    if new_customer and "SageMaker Clarify" not in data.get("existing_services", []):
        assert "SageMaker Clarify" not in monitoring


@given(with_(network_isolation=True))
def test_network_isolation_brings_a_private_vpc(new_customer, data):
    """No path to the internet means private subnets in a VPC and tight security groups."""
    security = advise(data, new_customer=new_customer).choices("security")
    assert "VPC with private subnets" in security and "Security groups" in security


@given(workloads)
def test_every_design_gets_least_privilege_iam(new_customer, data):
    """Whatever the workload, access runs through least-privilege IAM roles."""
    assert "IAM roles with least privilege" in advise(data, new_customer=new_customer).choices("security")


@given(with_(task="forecasting"))
def test_forecasting_always_gets_a_forecasting_algorithm(new_customer, data):
    """A forecast is always made by a forecasting algorithm."""
    assert advise(data, new_customer=new_customer).primary("algorithm").choice in FORECASTING_ALGORITHMS


@given(with_(task="forecasting") | with_(modality="time_series") | with_(time_ordered=True))
def test_time_ordered_data_is_split_in_order(new_customer, data):
    """Time-ordered data is never shuffled into a random split, and is split in order wherever
    the team splits at all (a managed AI service or a foundation model by API splits nothing;
    Amazon Forecast's backtest windows are an ordered split)."""
    advice = advise(data, new_customer=new_customer)
    prep = advice.choices("data_preparation")
    assert "Random split" not in prep
    assert "Shuffling" not in advice.choices("feature_engineering")
    service = advice.primary("service_choice").choice
    if service not in (MANAGED_SERVICES | {"Amazon Bedrock"}) - {"Amazon Forecast"}:
        assert "Ordered split" in prep


@given(with_(modality="image") | with_(modality="video"))
def test_images_and_video_never_get_a_linear_model(new_customer, data):
    """Pixels are never fed to a linear model, not even as an alternative."""
    assert not LINEAR_MODELS & set(advise(data, new_customer=new_customer).choices("algorithm"))


@given(workloads.map(lambda w: {**w, "network": "limited", "velocity": "batch"}),
       st.sampled_from(["on_premises_files", "on_premises_database"]),
       st.sampled_from(["1 PB", "2.5 PB", "40 PB"]))
def test_petabytes_over_a_thin_link_travel_by_snow(new_customer, data, source, volume):
    """Petabytes in a data centre behind a limited network move offline with the Snow
    Family; a new customer, to whom it is closed, gets another way that is open to them."""
    data = {**data, "source": source, "data_volume": volume, "existing_stack": []}
    chosen = advise(data, new_customer=new_customer).primary("ingestion").choice
    if new_customer:
        assert not _closed(chosen)
    else:
        assert chosen == "AWS Snow Family"


@given(with_(velocity="streaming", existing_stack=["kafka"]))
def test_existing_kafka_streams_stay_on_kafka(new_customer, data):
    """A team that already runs Kafka keeps it, as Amazon MSK (except for camera video)."""
    assume(data.get("source") != "video_cameras")
    assert advise(data, new_customer=new_customer).primary("ingestion").choice == "Amazon MSK"


@given(workloads.filter(lambda w: w["task"] in CLASSIFIERS))
def test_the_costlier_error_picks_the_metric(new_customer, data):
    """When false negatives cost more, recall is measured; when false positives do,
    precision."""
    fn = advise({**data, "costlier_error": "false_negative"}, new_customer=new_customer).choices("evaluation")
    fp = advise({**data, "costlier_error": "false_positive"}, new_customer=new_customer).choices("evaluation")
    assert "Recall" in fn and "Precision" in fp


@given(workloads.filter(lambda w: w["task"] in CLASSIFIERS).map(
    lambda w: {**w, "quality": {"class_imbalance": True}}))
def test_imbalanced_classes_are_scored_with_f1_and_split_stratified(new_customer, data):
    """Imbalanced classes are judged by F1 rather than accuracy alone, and split by stratum."""
    advice = advise(data, new_customer=new_customer)
    assert "F1 score" in advice.choices("evaluation")
    assert advice.choices("evaluation")[0] != "Accuracy"


@given(with_(task="clustering", labels="unlabeled"))
def test_clusterings_are_scored_by_cluster_quality(new_customer, data):
    """Clusterings are judged by silhouette score, never by accuracy."""
    evaluation = advise(data, new_customer=new_customer).choices("evaluation")
    assert "Silhouette score" in evaluation and "Accuracy" not in evaluation


@given(workloads)
def test_diagnosis_appears_exactly_when_diagnostics_are_given(new_customer, data):
    """A fit diagnosis is given exactly when training results are supplied, verdict first."""
    advice = advise(data, new_customer=new_customer)
    assert ("diagnosis" in advice.recommendations) == ("diagnostics" in data)
    if "diagnostics" in data:
        assert advice.primary("diagnosis").choice in {"Underfitting", "Overfitting", "Good fit",
                                                      "Inconclusive fit"}


@given(workloads)
def test_monitoring_follows_the_deployment(new_customer, data):
    """A serverless endpoint (which has no data capture) never gets endpoint data capture and
    always gets its traffic captured another way; an instance-backed endpoint of the team's own
    model gets endpoint data capture."""
    advice = advise(data, new_customer=new_customer)
    deployment = advice.primary("deployment").choice
    monitoring = advice.choices("monitoring")
    if deployment == "SageMaker serverless inference":
        assert "SageMaker Model Monitor data capture" not in monitoring
        assert "Amazon Kinesis Data Firehose" in monitoring
        if new_customer:  # Model Monitor is closed to new customers: its replacement
            assert "SageMaker Model Monitor" not in monitoring
            assert "MLflow on SageMaker" in monitoring
        else:
            assert advice.recommendations["monitoring"][monitoring.index(
                "SageMaker Model Monitor")].rule == "monitoring.model-monitor-serverless"
    elif deployment in ("SageMaker real-time endpoint", "SageMaker inference pipeline") and \
            data["latency"] != "batch":
        assert "SageMaker Model Monitor data capture" in monitoring


@given(workloads)
def test_a_new_customer_never_gets_a_closed_or_retired_service(new_customer, data):
    """Current by default: for a new customer no category, primary or not, holds a service AWS
    has closed to new customers or retired, unless the workload says the team already uses it;
    and when it does, that service may come back, with its warning."""
    advice = advise(data, new_customer=new_customer)
    closed = {i.choice for items in advice.recommendations.values() for i in items
              if _closed(i.choice)}
    if new_customer:
        assert closed <= set(advice.workload.existing_services)
    for choice in closed:
        entry = lifecycle_entry(choice)
        assert any(w.message == entry.message() for w in advice.warnings)


NOT_SAGEMAKER_ALGORITHMS = {"CNN-QR"}  # exists only inside Amazon Forecast and SageMaker Canvas
FAMILY = {
    "recommendation": {"Factorization Machines", "Matrix factorization", "Alternating least squares",
                       "Collaborative filtering", "Item-to-item collaborative filtering",
                       "User-based collaborative filtering", "DeepFM", "Object2Vec", "XGBoost",
                       "K-Nearest Neighbors"},
    "forecasting": FORECASTING_ALGORITHMS,
}


@given(workloads)
def test_a_managed_service_comes_with_no_algorithm_training_or_endpoint_of_the_team(
        new_customer, data):
    """When a managed AI service does the work, the team picks no algorithm (but for Amazon
    Forecast, which exposes its algorithms), trains nothing on SageMaker and hosts no endpoint;
    when the team builds on SageMaker, none of those is the service's."""
    advice = advise(data, new_customer=new_customer)
    service = advice.primary("service_choice").choice
    training = advice.choices("training")
    algorithm = advice.primary("algorithm").choice
    if service in MANAGED_SERVICES:
        assert "SageMaker training job" not in training
        assert _served_by_its_api(advice)
        if service != "Amazon Forecast":
            assert algorithm == "Built into the managed service"
    elif service in FOUNDATION:
        assert algorithm == "Foundation model"
        if service == "Amazon Bedrock":
            assert "SageMaker training job" not in training
            assert not advice.primary("deployment").choice.startswith("SageMaker")
    else:
        assert algorithm != "Built into the managed service"
        if algorithm == "Foundation model":
            assert data["task"] in GENERATIVE_TASKS | {"conversational"}
        if service not in AUTOML:  # AutoML trains for the team, on SageMaker
            assert "Managed training by the service" not in training
        assert advice.primary("deployment").choice != "Managed service API"


@given(workloads)
def test_the_primary_algorithm_belongs_to_the_tasks_family(new_customer, data):
    """A recommendation is never answered first by a forecasting model, and an algorithm that
    exists only inside Amazon Forecast is never trained as a SageMaker job."""
    advice = advise(data, new_customer=new_customer)
    algorithm = advice.primary("algorithm").choice
    if data["task"] == "recommendation" and algorithm != "Built into the managed service":
        assert algorithm not in FORECASTING_ALGORITHMS
    if advice.primary("service_choice").choice != "Amazon Forecast":
        assert not NOT_SAGEMAKER_ALGORITHMS & set(advice.choices("algorithm"))


@given(with_(modality="image") | with_(modality="video") | with_(modality="audio") |
       with_(modality="documents"))
def test_images_get_image_preparation_not_column_advice(new_customer, data):
    """Images, video, audio and scanned documents have no columns: no data-type review,
    one-hot encoding or binning."""
    features = advise(data, new_customer=new_customer).choices("feature_engineering")
    assert not {"Data type review", "One-hot encoding", "Binning"} & set(features)


@given(workloads)
def test_every_monitoring_item_does_monitoring(new_customer, data):
    """A tool listed under monitoring watches production; a data-preparation tool never stands
    there."""
    monitoring = advise(data, new_customer=new_customer).choices("monitoring")
    assert not {"SageMaker Data Wrangler", "AWS Glue DataBrew"} & set(monitoring)


@given(with_(network_isolation=True))
def test_network_isolation_is_its_own_control(new_customer, data):
    """No path to the internet means private subnets and, a different control, containers
    run with network isolation."""
    security = advise(data, new_customer=new_customer).choices("security")
    assert {"VPC with private subnets", "Container network isolation"} <= set(security)


RECORD_STREAMS = {"Amazon Kinesis Data Streams", "Amazon Kinesis Data Firehose"}


@given(with_(modality="image") | with_(modality="video"))
def test_the_payload_fits_the_ingestion(new_customer, data):
    """Image and video files (megabytes each) never travel through a record stream capped at
    1 MB a record; camera feeds go to Kinesis Video Streams."""
    ingestion = advise(data, new_customer=new_customer).primary("ingestion").choice
    assert ingestion not in RECORD_STREAMS
    if data.get("source") == "video_cameras":
        assert ingestion == "Amazon Kinesis Video Streams"


#: The metric family a practitioner expects per task (AWS's metric pages for Autopilot, Forecast,
#: Personalize and SageMaker AI's vision and sequence algorithms).
EXPECTED_METRICS = {
    "classification": {"AUC", "Log loss"}, "text_classification": {"AUC", "Log loss"},
    "sentiment_analysis": {"AUC", "Log loss"}, "image_classification": {"AUC", "Log loss"},
    "regression": {"Root mean squared error", "Mean absolute error"},
    "forecasting": {"Weighted quantile loss", "WAPE", "MASE"},
    "recommendation": {"NDCG"}, "object_detection": {"Mean average precision"},
    "semantic_segmentation": {"Mean intersection over union"}, "translation": {"BLEU"},
    "clustering": {"Silhouette score"},
}


@given(workloads)
def test_evaluation_uses_the_metrics_of_the_task(new_customer, data):
    """Each task is evaluated with the metric family practitioners expect: ranking and
    probability quality for classifiers, errors in the target's unit for regression, quantile
    and scaled errors for forecasts, ranking for recommendations, overlap for detection and
    segmentation, BLEU for translation, cluster quality for clustering."""
    evaluation = set(advise(data, new_customer=new_customer).choices("evaluation"))
    assert EXPECTED_METRICS.get(data["task"], set()) <= evaluation


@given(workloads)
def test_mapreduce_leads_only_for_a_team_that_runs_hadoop(new_customer, data):
    """Spark does not need the data in memory, so Hadoop MapReduce is the primary transformation
    only where the team already runs Hadoop; and a kernel SVM is never the pick on tens of GB."""
    advice = advise(data, new_customer=new_customer)
    if advice.primary("transformation").choice == "Amazon EMR with Apache Hadoop":
        assert "hadoop" in data.get("existing_stack", [])
    if advice.workload.data_volume >= 10 * 10**9:
        assert advice.primary("algorithm").choice != "Support Vector Machine"


@given(workloads.map(lambda w: {**w, "existing_stack": sorted({*w.get("existing_stack", []),
                                                                  "airflow"})}))
def test_a_team_on_airflow_keeps_an_orchestrator(new_customer, data):
    """Declaring Airflow replaces Step Functions by Amazon MWAA: no category loses its
    orchestrator."""
    mlops = advise(data, new_customer=new_customer).choices("mlops")
    assert "Amazon MWAA" in mlops and "AWS Step Functions" not in mlops


def with_serving(**fixed):
    """Generated workloads whose serving shape holds the given facts."""
    return workloads.map(lambda w: {**w, "serving": {**w.get("serving", {}), **fixed}})


@given(with_serving(edge=True))
def test_edge_inference_runs_on_the_devices(new_customer, data):
    """Inference at the edge is built on SageMaker AI, compiled for the device and shipped to
    it; no cloud endpoint or managed service API answers it."""
    advice = advise(data, new_customer=new_customer)
    assert advice.primary("service_choice").choice == "Amazon SageMaker"
    assert advice.primary("deployment").choice == "SageMaker Neo with AWS IoT Greengrass"


SYNCHRONOUS = {"SageMaker real-time endpoint", "SageMaker serverless inference",
               "SageMaker inference pipeline", "SageMaker multi-model endpoint",
               "SageMaker multi-container endpoint", "AWS Inferentia instances"}


@given((with_serving(payload="50 MB") | with_serving(payload="800 MB") |
        with_serving(processing_seconds=1800)).filter(lambda w: w["latency"] != "batch"))
def test_a_request_too_big_or_slow_for_a_synchronous_endpoint_is_queued(new_customer, data):
    """A request over the synchronous limits of a SageMaker endpoint (about 6 MB, 60 seconds)
    never goes to one: it is queued for asynchronous inference, scored in batch, or served on
    the device."""
    assert advise(data, new_customer=new_customer).primary("deployment").choice not in SYNCHRONOUS


@given(with_serving(models=400) | with_serving(models=12))
def test_many_models_share_an_endpoint(new_customer, data):
    """Ten or more models that a SageMaker-built design serves on request never get an endpoint
    each: they share a multi-model endpoint (or, up to 15 of different frameworks, a
    multi-container one), unless they run in sequence, on devices, or too long for a
    synchronous answer."""
    advice = advise(data, new_customer=new_customer)
    serving = advice.workload.serving
    slow = (serving.payload or 0) > 6 * 10**6 or (serving.processing_seconds or 0) > 60
    if advice.primary("service_choice").choice == "Amazon SageMaker" and \
            data["latency"] != "batch" and not (serving.edge or slow or data.get("chained_models")):
        assert advice.primary("deployment").choice in ("SageMaker multi-model endpoint",
                                                       "SageMaker multi-container endpoint")


@given(workloads.map(lambda w: {**w, "task": "question_answering"}).filter(
    lambda w: w["labels"] != "reward_signal"))
def test_answers_over_the_teams_documents_are_grounded_by_retrieval(new_customer, data):
    """Questions answered from the team's own documents are answered by retrieval-augmented
    generation; on Amazon Bedrock its Knowledge Bases serve them."""
    advice = advise(data, new_customer=new_customer)
    service = advice.primary("service_choice").choice
    if service in FOUNDATION:
        assert advice.primary("learning_paradigm").choice == "Retrieval-augmented generation"
    if service == "Amazon Bedrock":
        assert advice.primary("deployment").choice in ("Amazon Bedrock Knowledge Bases",
                                                       "Amazon Bedrock AgentCore")
