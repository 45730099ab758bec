"""Every write of the feedback app, one module per part: callbacks (回访),
self-service feedback (自助反馈), satisfaction surveys (满意度测评)."""
