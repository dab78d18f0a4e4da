"""The CPEs' configurations as the controller manages them: what each enrolled CPE should run
(`intended`), getting it there as recorded jobs with versions, previews, rollback and drift
(`deploy`), and the reconcile loop's decisions pushed as they are made (`decisions`)."""
