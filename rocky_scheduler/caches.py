"""Every process-local cache in one place, so tests (and a reload) can start from nothing."""


def clear_process_caches() -> None:
    from rocky_scheduler.api.authentication import recent_tokens
    from rocky_scheduler.catalogue import get_catalogue
    from rocky_scheduler.queue.heap import heaps
    from rocky_scheduler.services.common import scheduler_cache

    heaps.clear()
    recent_tokens.clear()
    scheduler_cache.clear()
    catalogue = get_catalogue()
    if hasattr(catalogue, "clear_cache"):
        catalogue.clear_cache()
